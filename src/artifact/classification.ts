// runtime.yaml CLASSIFICATION (artifact format 1.0): which output is the classifier's, how many classes its last
// axis has, whether the graph already turns it into probabilities, and the labels file that names the classes.
// Written by `ood prepare` when the model is certainty-enabled (the scored logits are the classifier's output)
// or when --labels is given; checked by introspect (schemas.labels); read by the server for DRUM's keyed answers.
import { METADATA_KEYS } from '../certainty/metadata.js';
import { OodError } from '../errors.js';
import type { OnnxModel } from '../onnx/model.js';
import type { ValueInfo } from '../onnx/decode.js';
import { ARTIFACT_FILES, type Classification, type ClassActivation } from './spec.js';

/**
 * The class count of a [batch, classes] output: its last dimension, null when symbolic, undefined when the output
 * is not a rank-2 tensor (and so not a row-per-input classifier).
 */
export function classDimension(output: ValueInfo | undefined): number | null | undefined {
  if (!output || output.type.kind !== 'tensor' || output.type.shape?.length !== 2) return undefined;
  const last = output.type.shape[1];
  return typeof last === 'number' && last >= 0 ? last : null;
}

/** Labels fit an output with one class per label, or a binary one-column output (the positive class) with two. */
export function labelsFit(classes: number | null, count: number): boolean {
  return classes === null || classes === count || (classes === 1 && count === 2);
}

/**
 * What the graph applied last to an output, walking back through Identity nodes: Softmax or Sigmoid mean the
 * values already are probabilities; anything else (LogSoftmax included: softmax of log-probabilities gives the
 * same probabilities back) is taken for logits, which the server turns into probabilities with a softmax.
 */
export function outputActivation(model: OnnxModel, output: string): ClassActivation {
  const producers = new Map<string, { opType: string; domain: string; inputs: string[] }>();
  for (const node of model.info.graph.nodes) for (const o of node.outputs) producers.set(o, node);
  let name = output;
  for (let hops = 0; hops < 64; hops++) {
    const node = producers.get(name);
    if (!node || (node.domain !== '' && node.domain !== 'ai.onnx')) return 'none';
    if (node.opType === 'Softmax') return 'softmax';
    if (node.opType === 'Sigmoid') return 'sigmoid';
    if (node.opType !== 'Identity' || node.inputs[0] === undefined) return 'none';
    name = node.inputs[0];
  }
  return 'none';
}

/**
 * CLASSIFICATION for a model about to be packed, or undefined when it is not recognisably a classifier. The
 * output is the one `ood enable` scored, else (with labels) the only rank-2 output the labels fit. Throws
 * OodError (kind input) when labels are given and no output takes them.
 */
export function describeClassification(model: OnnxModel, labels: readonly string[] | null): Classification | undefined {
  const outputs = model.info.graph.outputs;
  const scored = model.metadataMap.get(METADATA_KEYS.logits);
  const candidates = scored
    ? outputs.filter((o) => o.name === scored)
    : labels
      ? outputs.filter((o) => {
          const classes = classDimension(o);
          return classes !== undefined && labelsFit(classes, labels.length);
        })
      : [];
  if (candidates.length !== 1) {
    if (!labels) return undefined;
    throw new OodError(
      'LABELS_UNPLACED',
      `--labels has ${labels.length} labels, and ${candidates.length === 0 ? 'no output has' : 'several outputs have'} ${labels.length} classes on a [batch, classes] axis`,
      {
        hint: 'Give one label per class of the classifier output, in class order, or certainty-enable the model first.',
      },
    );
  }
  const output = candidates[0]!;
  const classes = classDimension(output);
  if (classes === undefined) {
    if (!labels) return undefined;
    throw new OodError(
      'LABELS_UNPLACED',
      `output "${output.name}" is not a [batch, classes] tensor, so labels cannot name its classes`,
      {
        hint: 'Labels apply to classifiers whose output has one row per input and one column per class.',
      },
    );
  }
  if (labels && !labelsFit(classes, labels.length)) {
    throw new OodError(
      'LABELS_MISMATCH',
      `--labels has ${labels.length} labels but output "${output.name}" has ${classes} classes`,
      { hint: `Give exactly one label per class (${classes}), in class order.` },
    );
  }
  return {
    OUTPUT: output.name,
    CLASSES: classes,
    ACTIVATION: outputActivation(model, output.name),
    ...(labels ? { LABELS: ARTIFACT_FILES.labels } : {}),
  };
}
