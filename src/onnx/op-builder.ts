// An opset-aware builder for the small subgraphs an edit appends. It hides the operator signature changes of the
// default ONNX domain (ai.onnx, opsets 11 to 26, onnx/docs/Changelog.md) behind one call per operation, picks
// fresh prefixed names, and returns serialized GraphProto fields for ModelEdit.appendGraph.
import { OodError } from '../errors.js';
import { encodeFloatInitializer, encodeInt64Initializer, encodeNode, type AttributeValue } from './encode.js';

/** Oldest default-domain opset the builder emits valid nodes for (Clip takes min/max as inputs from 11). */
export const MIN_BUILDER_OPSET = 11;

/** Reductions whose `axes` moved from an attribute to an input, and the opset where it happened. */
const AXES_AS_INPUT_FROM: Record<ReduceOp, number> = {
  ReduceSum: 13,
  ReduceMax: 18,
  ReduceMin: 18,
  ReduceMean: 18,
  ReduceLogSumExp: 18,
};

export type ReduceOp = 'ReduceSum' | 'ReduceMax' | 'ReduceMin' | 'ReduceMean' | 'ReduceLogSumExp';

export interface OpBuilderOptions {
  /** The model's default-domain opset version. */
  opset: number;
  /** Every name already used by the graph; fresh names avoid them. */
  used: ReadonlySet<string>;
  /** Prefix of every node, tensor and initializer name the builder makes (e.g. "ood/"). */
  prefix: string;
}

/** Builds nodes and initializers against one opset; read `nodes` and `initializers` when done. */
export class OpBuilder {
  readonly opset: number;
  readonly nodes: Buffer[] = [];
  readonly initializers: Buffer[] = [];
  private readonly taken: Set<string>;
  private readonly prefix: string;

  constructor(options: OpBuilderOptions) {
    if (options.opset < MIN_BUILDER_OPSET) {
      throw new OodError(
        'OPSET_TOO_OLD',
        `the model uses ONNX opset ${options.opset}; ood supports opset ${MIN_BUILDER_OPSET} and newer`,
        {
          hint: 'Re-export the model with a newer opset (for example torch.onnx.export(..., opset_version=13)).',
        },
      );
    }
    this.opset = options.opset;
    this.taken = new Set(options.used);
    this.prefix = options.prefix;
  }

  /** A name that is not yet used, `<prefix><base>` or `<prefix><base>_<n>`. */
  fresh(base: string): string {
    let name = `${this.prefix}${base}`;
    for (let n = 1; this.taken.has(name); n++) name = `${this.prefix}${base}_${n}`;
    this.taken.add(name);
    return name;
  }

  /** Reserve a name chosen by the caller (e.g. the score output); false if it is taken. */
  reserve(name: string): boolean {
    if (this.taken.has(name)) return false;
    this.taken.add(name);
    return true;
  }

  /** Append a node; returns its (single) output name, `out` if given, else a fresh one. */
  op(opType: string, inputs: readonly string[], attributes?: Record<string, AttributeValue>, out?: string): string {
    const base = opType.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
    const output = out ?? this.fresh(base);
    this.nodes.push(encodeNode({ opType, inputs, outputs: [output], name: this.fresh(`${base}_node`), attributes }));
    return output;
  }

  /** A float32 initializer (dims [] for a scalar). */
  floats(base: string, dims: readonly number[], values: ArrayLike<number>): string {
    const name = this.fresh(base);
    this.initializers.push(encodeFloatInitializer(name, dims, values));
    return name;
  }

  /** An int64 initializer. */
  ints(base: string, dims: readonly number[], values: readonly number[]): string {
    const name = this.fresh(base);
    this.initializers.push(encodeInt64Initializer(name, dims, values));
    return name;
  }

  /** A reduction over `axes`: attribute before the opset where axes became an input, input from then on. */
  reduce(op: ReduceOp, x: string, axes: readonly number[], keepdims: boolean, out?: string): string {
    const keep = { keepdims: { int: keepdims ? 1 : 0 } };
    if (this.opset >= AXES_AS_INPUT_FROM[op]) {
      const axesName = this.ints('axes', [axes.length], [...axes]);
      return this.op(op, [x, axesName], keep, out);
    }
    return this.op(op, [x], { axes: { ints: axes }, ...keep }, out);
  }

  /**
   * Softmax along `axis` of a rank-2 tensor. Before opset 13 Softmax flattens to 2-D at `axis`; for rank 2 and
   * axis 1 that is the same as the per-row softmax of opset 13+, so one node serves every opset.
   */
  softmaxRows(x: string, out?: string): string {
    return this.op('Softmax', [x], { axis: { int: 1 } }, out);
  }

  /** Clip to [min, max]; min and max are inputs since opset 11. */
  clip(x: string, min: number, max: number, out?: string): string {
    return this.op('Clip', [x, this.floats('clip_min', [], [min]), this.floats('clip_max', [], [max])], undefined, out);
  }

  /** Cast to an ONNX element type (TensorProto.DataType). */
  cast(x: string, to: number, out?: string): string {
    return this.op('Cast', [x], { to: { int: to } }, out);
  }

  /** Elementwise binary op with numpy broadcasting (Add, Sub, Mul, Div, Max, Min, Pow; stable since opset 7/8). */
  binary(
    op: 'Add' | 'Sub' | 'Mul' | 'Div' | 'Max' | 'Min' | 'MatMul' | 'Pow',
    a: string,
    b: string,
    out?: string,
  ): string {
    return this.op(op, [a, b], undefined, out);
  }
}
