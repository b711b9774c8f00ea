// Independent checks through Debian's Python (/usr/bin/python3 with python3-onnx 1.12, python3-torch 1.13).
// A missing module fails the run in CI (CI=true) and becomes a visible skip elsewhere.
import { execa, execaSync, type Options } from 'execa';

/** Always Debian's interpreter: the pyenv `python3` on PATH lacks onnx and torch. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** Returned instead of a result when the needed Python module is absent outside CI. */
export const SKIPPED = 'skipped' as const;
export type Skipped = typeof SKIPPED;

export interface PythonResult {
  stdout: string;
  stderr: string;
}

/** Run a Python script file with arguments; rejects with execa's error (stderr included) on a non-zero exit. */
export async function runPython(
  scriptPath: string,
  args: readonly string[] = [],
  options: Options = {},
): Promise<PythonResult> {
  const r = await execa(SYSTEM_PYTHON, [scriptPath, ...args], { ...options, stripFinalNewline: true });
  return { stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Run inline Python code (`python3 -c`); `sys.argv[1:]` holds `args`. */
export async function runPythonCode(
  code: string,
  args: readonly string[] = [],
  options: Options = {},
): Promise<PythonResult> {
  const r = await execa(SYSTEM_PYTHON, ['-c', code, ...args], { ...options, stripFinalNewline: true });
  return { stdout: String(r.stdout), stderr: String(r.stderr) };
}

const moduleCache = new Map<string, boolean>();

/** True when /usr/bin/python3 can import every module named (results are cached per process). */
export function pythonHas(...modules: string[]): boolean {
  const key = modules.join(',');
  let ok = moduleCache.get(key);
  if (ok === undefined) {
    const r = execaSync(SYSTEM_PYTHON, ['-c', `import ${key}`], { reject: false });
    ok = r.exitCode === 0;
    moduleCache.set(key, ok);
  }
  return ok;
}

/**
 * Decide whether tests needing these Python modules must skip: false when present; true when missing outside CI;
 * throws when missing in CI, so CI fails loudly. Use as `it.skipIf(missingPython('onnx'))(...)`.
 */
export function missingPython(...modules: string[]): boolean {
  if (pythonHas(...modules)) return false;
  const what = `${SYSTEM_PYTHON} cannot import ${modules.join(', ')}`;
  if (process.env.CI === 'true') {
    throw new Error(`${what}; CI needs it (apt-get install python3-onnx python3-torch python3-torchvision)`);
  }
  console.warn(`[skip] ${what}: tests that need it are skipped`);
  return true;
}

/** Shorthand for the onnx checker's availability. */
export const missingOnnx = (): boolean => missingPython('onnx');
/** Shorthand for torch + torchvision availability. */
export const missingTorch = (): boolean => missingPython('torch', 'torchvision');

// onnx 1.12's check_model(path, full_check=True) rewrites the file at `path` with inferred shapes
// (onnx/onnx#4422, fixed in 1.13 by #4456). So the checker gets a private copy; external data files are linked in
// beside it, read-only, so that their locations still resolve.
const CHECK_CODE = `
import os, shutil, sys, tempfile
import onnx
from onnx import shape_inference

def external_locations(path):
    try:
        model = onnx.load(path, load_external_data=False)
    except Exception:
        return []  # the checker below reports why
    tensors = list(model.graph.initializer)
    return sorted({e.value for t in tensors if t.data_location == onnx.TensorProto.EXTERNAL
                   for e in t.external_data if e.key == 'location'})

path = os.path.abspath(sys.argv[1])
work = tempfile.mkdtemp(prefix='ood-onnx-check-')
try:
    copy = os.path.join(work, 'model.onnx')
    shutil.copyfile(path, copy)
    for location in external_locations(path):
        target = os.path.join(work, location)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.symlink(os.path.join(os.path.dirname(path), location), target)
    onnx.checker.check_model(copy, full_check=True)
    shape_inference.infer_shapes_path(copy, os.path.join(work, 'inferred.onnx'), check_type=True, strict_mode=True)
except Exception as e:
    sys.stderr.write(f'{type(e).__name__}: {e}')
    sys.exit(3)
finally:
    shutil.rmtree(work, ignore_errors=True)
`;

/**
 * Check a model with onnx.checker.check_model(full_check=True) and strict shape inference. Resolves 'checked',
 * or SKIPPED when onnx is missing outside CI; rejects with the checker's message when the model is invalid.
 */
export async function checkOnnxModel(path: string): Promise<'checked' | Skipped> {
  if (missingOnnx()) return SKIPPED;
  const r = await execa(SYSTEM_PYTHON, ['-c', CHECK_CODE, path], { reject: false });
  if (r.exitCode !== 0) {
    throw new Error(`onnx.checker rejected ${path}: ${String(r.stderr).trim() || `exit ${r.exitCode}`}`);
  }
  return 'checked';
}
