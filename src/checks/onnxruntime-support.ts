// What the installed onnxruntime-node can run, asked of onnxruntime itself. The JS binding has no call that
// reports its opset or IR range, so ood builds a tiny model per (IR version) and per (domain, opset) that carries
// nothing but that stamp (a graph that returns its input, no nodes) and tries to create a session from it: the
// answer is onnxruntime's own model-loading check (ValidateOpsetForDomain, the IR version gate in Model::Model),
// so it cannot disagree with the build installed. Each answer is cached for the process (about 1 ms a probe).
// Whether the model's nodes exist at those opsets is model.load's question (a real session of the real model).
import { onnxruntimeVersion } from '../artifact/runtime-yaml.js';
import { encodeOpsetImport, encodeTensorValueInfo } from '../onnx/encode.js';
import * as F from '../onnx/proto-fields.js';
import { lenField, stringField, varintField } from '../onnx/wire.js';
import { dropTelemetryLogs } from '../io/onnxruntime-litter.js';

/** The version of the onnxruntime-node package that ood resolves: the one checks compare an artifact against. */
export const installedOnnxruntimeVersion = onnxruntimeVersion;

/** ONNX's default domain, spelled as onnxruntime's messages spell it. */
const DEFAULT_DOMAIN = 'ai.onnx';
const FLOAT = 1;

/** A ModelProto stamped with `irVersion` and `opsets` whose graph returns its one input (ONNX IR spec: a graph
 * output may name a graph input). */
function stampModel(irVersion: number, opsets: readonly (readonly [string, number])[]): Uint8Array {
  const graph = Buffer.concat([
    stringField(F.Graph.name, 'probe'),
    lenField(F.Graph.input, encodeTensorValueInfo('x', FLOAT, [1])),
    lenField(F.Graph.output, encodeTensorValueInfo('x', FLOAT, [1])),
  ]);
  return Buffer.concat([
    varintField(F.Model.irVersion, irVersion),
    lenField(F.Model.graph, graph),
    ...opsets.map(([domain, version]) => encodeOpsetImport(domain, version)),
  ]);
}

/** onnxruntime's reason without the C++ source location and signature that lead its messages. */
function reasonOf(err: unknown): string {
  const first = String((err as Error)?.message ?? err).split('\n')[0]!;
  const located = /^\S+:\d+ .*?\) (?=[A-Z])/.exec(first);
  return (located ? first.slice(located[0].length) : first).trim();
}

const answers = new Map<string, Promise<string | null>>();

/** null when onnxruntime-node creates a session from the stamp; its reason otherwise. Cached per stamp. */
function probe(irVersion: number, opsets: readonly (readonly [string, number])[]): Promise<string | null> {
  const key = `${irVersion}|${opsets.map(([d, v]) => `${d}@${v}`).join(',')}`;
  let answer = answers.get(key);
  if (!answer) {
    answer = (async () => {
      const ort = await import('onnxruntime-node');
      try {
        const session = await ort.InferenceSession.create(stampModel(irVersion, opsets), { logSeverityLevel: 3 });
        await session.release();
        return null;
      } catch (err) {
        return reasonOf(err);
      } finally {
        await dropTelemetryLogs();
      }
    })();
    answers.set(key, answer);
  }
  return answer;
}

/** Whether onnxruntime-node loads a model of this IR version (the stamp imports ai.onnx 1, which it never refuses). */
export function irVersionRefusal(irVersion: number): Promise<string | null> {
  return probe(irVersion, [['', 1]]);
}

/** Whether onnxruntime-node loads a model importing `domain` at `version`, stamped with IR `irVersion`. */
export function opsetRefusal(domain: string, version: number, irVersion: number): Promise<string | null> {
  return probe(irVersion, [[domain, version]]);
}

/** The highest opset below `refused` that onnxruntime-node accepts for `domain`, or undefined if none. */
async function highestAcceptedBelow(domain: string, refused: number, irVersion: number): Promise<number | undefined> {
  for (let v = refused - 1; v >= 1; v--) if ((await opsetRefusal(domain, v, irVersion)) === null) return v;
  return undefined;
}

/** Problems with a model's opset imports and IR version; empty when onnxruntime-node accepts them. */
export async function opsetProblems(
  irVersion: number,
  opsets: readonly { domain: string; version: number }[],
): Promise<string[]> {
  const ort = `onnxruntime-node ${installedOnnxruntimeVersion()}`;
  const problems: string[] = [];
  const irRefused = await irVersionRefusal(irVersion);
  if (irRefused) problems.push(`IR version ${irVersion} is refused by ${ort}: ${irRefused}`);
  // Each opset is asked on its own, at the model's IR when that loads (else at IR 8, ONNX 1.10's, which every
  // onnxruntime-node that ood supports loads), so that one refusal does not hide another.
  const stampIr = irRefused ? 8 : irVersion;
  for (const { domain, version } of opsets) {
    const name = domain === '' ? DEFAULT_DOMAIN : domain;
    const refused = await opsetRefusal(domain, version, stampIr);
    if (!refused) continue;
    const highest = await highestAcceptedBelow(domain, version, stampIr);
    problems.push(
      highest === undefined
        ? `${name} opset ${version} is refused by ${ort}: ${refused}`
        : `${name} opset ${version} is newer than ${ort} supports (up to opset ${highest})`,
    );
  }
  return problems;
}
