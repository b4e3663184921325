/**
 * A fraudctl forest as an ONNX model (one `ai.onnx.ml` TreeEnsembleRegressor), so Python users load
 * it with `mlflow.pyfunc.load_model` / onnxruntime, and Node with onnxruntime-node.
 *
 * fraudctl's trees split on bins: a row goes left when its bin ≤ threshold, and a value's bin is
 * the number of bin edges ≤ it, so "bin ≤ t" is exactly "value < edges[t]" (binEdges.ts). Each split
 * becomes a BRANCH_LT node on that edge; leaves carry the fraud fraction; AVERAGE over the trees is
 * fraudctl's own prediction (a sum in tree order divided by the tree count). Thresholds and leaf
 * weights are written as double tensors (ai.onnx.ml opset 3) and the input is double, so no value
 * is rounded to float32 before a comparison; only the output is float32 (the operator's type),
 * within 6e-8 of fraudctl's score.
 */
import type { ForestModel } from '../forest/index.js';
import { ProtoWriter } from './protoWriter.js';

export const ONNX_INPUT = 'features';
export const ONNX_OUTPUT = 'fraud_probability';
/** ONNX IR version 8 with the default opset 17 is what onnxruntime ≥ 1.14 and onnx ≥ 1.13 read. */
const IR_VERSION = 8;
const OPSET = 17;
const ML_OPSET = 3;

const enum Attr { FLOAT = 1, INT = 2, STRING = 3, TENSOR = 4, INTS = 7, STRINGS = 8 }
const enum Elem { FLOAT = 1, DOUBLE = 11 }

/** The tree ensemble's node and leaf tables, built from the model's flat arrays. */
export interface TreeTables {
  treeIds: number[];
  nodeIds: number[];
  featureIds: number[];
  values: number[];
  modes: ('BRANCH_LT' | 'LEAF')[];
  trueIds: number[];
  falseIds: number[];
  leafTree: number[];
  leafNode: number[];
  leafWeight: number[];
}

export function treeTables(model: ForestModel): TreeTables {
  const { forest, binEdges } = model.parts;
  const t: TreeTables = { treeIds: [], nodeIds: [], featureIds: [], values: [], modes: [], trueIds: [], falseIds: [], leafTree: [], leafNode: [], leafWeight: [] };
  const nTrees = forest.roots.length;
  for (let tree = 0; tree < nTrees; tree++) {
    const root = forest.roots[tree];
    const end = tree + 1 < nTrees ? forest.roots[tree + 1] : forest.left.length;
    for (let i = root; i < end; i++) {
      const local = i - root;
      t.treeIds.push(tree);
      t.nodeIds.push(local);
      // A leaf points to itself (tree.ts).
      if (forest.left[i] === i) {
        t.featureIds.push(0);
        t.values.push(0);
        t.modes.push('LEAF');
        t.trueIds.push(0);
        t.falseIds.push(0);
        t.leafTree.push(tree);
        t.leafNode.push(local);
        t.leafWeight.push(forest.value[i]);
      } else {
        const f = forest.feature[i];
        // A threshold past the last edge sends every row left: value < +∞.
        const edge = binEdges[f][forest.threshold[i]] ?? Infinity;
        t.featureIds.push(f);
        t.values.push(edge);
        t.modes.push('BRANCH_LT');
        t.trueIds.push(forest.left[i] - root);
        t.falseIds.push(forest.left[i] + 1 - root);
      }
    }
  }
  return t;
}

/** The serialized ONNX ModelProto of a forest: input `features` [N, nFeatures] double, output [N, 1] float. */
export function forestToOnnx(model: ForestModel, meta: { producerVersion: string; docString?: string }): Buffer {
  const t = treeTables(model);
  const nFeatures = model.featureNames.length;
  const ints = (name: string, v: number[]) => (w: ProtoWriter) => w.string(1, name).int(20, Attr.INTS).packedInts(8, v);
  const str = (name: string, v: string) => (w: ProtoWriter) => w.string(1, name).int(20, Attr.STRING).bytes(4, Buffer.from(v));
  const strs = (name: string, v: string[]) => (w: ProtoWriter) => {
    w.string(1, name).int(20, Attr.STRINGS);
    // Two distinct strings (BRANCH_LT, LEAF) over every node: each encoded once.
    const encoded = new Map<string, Buffer>();
    for (const s of v) w.bytes(9, encoded.get(s) ?? encoded.set(s, Buffer.from(s)).get(s)!);
  };
  const doubles = (name: string, v: number[]) => (w: ProtoWriter) =>
    w.string(1, name).int(20, Attr.TENSOR).message(5, (tw) => tw.packedInts(1, [v.length]).int(2, Elem.DOUBLE).string(8, name).packedDoubles(10, v));
  const int = (name: string, v: number) => (w: ProtoWriter) => w.string(1, name).int(20, Attr.INT).int(3, v);
  const attrs = [
    ints('nodes_treeids', t.treeIds),
    ints('nodes_nodeids', t.nodeIds),
    ints('nodes_featureids', t.featureIds),
    doubles('nodes_values_as_tensor', t.values),
    strs('nodes_modes', t.modes),
    ints('nodes_truenodeids', t.trueIds),
    ints('nodes_falsenodeids', t.falseIds),
    ints('target_treeids', t.leafTree),
    ints('target_nodeids', t.leafNode),
    ints('target_ids', t.leafTree.map(() => 0)),
    doubles('target_weights_as_tensor', t.leafWeight),
    int('n_targets', 1),
    str('aggregate_function', 'AVERAGE'),
    str('post_transform', 'NONE'),
  ];
  const valueInfo = (name: string, elem: Elem, dims: (number | string)[]) => (w: ProtoWriter) =>
    w.string(1, name).message(2, (tp) =>
      tp.message(1, (tt) =>
        tt.int(1, elem).message(2, (sh) => {
          for (const d of dims) sh.message(1, (dw) => (typeof d === 'number' ? dw.int(1, d) : dw.string(2, d)));
        }),
      ),
    );
  const graph = (g: ProtoWriter) => {
    g.message(1, (n) => {
      n.string(1, ONNX_INPUT).string(2, ONNX_OUTPUT).string(3, 'forest').string(4, 'TreeEnsembleRegressor').string(7, 'ai.onnx.ml');
      for (const a of attrs) n.message(5, a);
    });
    g.string(2, 'fraudctl_forest');
    g.string(10, `features in order: ${model.featureNames.join(', ')}`);
    g.message(11, valueInfo(ONNX_INPUT, Elem.DOUBLE, ['N', nFeatures]));
    g.message(12, valueInfo(ONNX_OUTPUT, Elem.FLOAT, ['N', 1]));
  };
  const w = new ProtoWriter()
    .int(1, IR_VERSION)
    .string(2, 'fraudctl')
    .string(3, meta.producerVersion)
    .string(4, 'fraudctl')
    .string(6, meta.docString ?? 'fraudctl random forest: P(fraud) per row')
    .message(7, graph)
    .message(8, (o) => o.string(1, '').int(2, OPSET))
    .message(8, (o) => o.string(1, 'ai.onnx.ml').int(2, ML_OPSET));
  // The feature names, so a reader without the MLmodel still knows the column order.
  w.message(14, (m) => m.string(1, 'feature_names').string(2, JSON.stringify(model.featureNames)));
  return w.finish();
}
