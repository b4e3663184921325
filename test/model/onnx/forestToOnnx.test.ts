import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { FEATURE_NAMES } from '../../../src/features/spec.js';
import { forestToOnnx, ONNX_INPUT, ONNX_OUTPUT, treeTables } from '../../../src/model/onnx/forestToOnnx.js';
import { tinyForest } from './tinyForest.js';

/** Row-major float64 input, as a user feeds onnxruntime. */
function rowMajor(columns: Float64Array[], nRows: number): Float64Array {
  const x = new Float64Array(nRows * columns.length);
  for (let r = 0; r < nRows; r++) for (let f = 0; f < columns.length; f++) x[r * columns.length + f] = columns[f][r];
  return x;
}

describe('the forest as ONNX (ai.onnx.ml TreeEnsembleRegressor)', () => {
  it('onnxruntime-node returns fraudctl’s scores within 1e-6 on the 15 features', async () => {
    const { model, columns, nRows, scores } = await tinyForest(FEATURE_NAMES);
    const session = await ort.InferenceSession.create(forestToOnnx(model, { producerVersion: 'test' }));
    expect(session.inputNames).toEqual([ONNX_INPUT]);
    expect(session.outputNames).toEqual([ONNX_OUTPUT]);
    const out = await session.run({ [ONNX_INPUT]: new ort.Tensor('float64', rowMajor(columns, nRows), [nRows, FEATURE_NAMES.length]) });
    const y = out[ONNX_OUTPUT];
    expect(y.type).toBe('float32');
    expect(y.dims).toEqual([nRows, 1]);
    let worst = 0;
    for (let r = 0; r < nRows; r++) worst = Math.max(worst, Math.abs((y.data as Float32Array)[r] - scores[r]));
    expect(worst).toBeLessThan(1e-6);
    // Not a constant model: the scores spread, so agreement is not trivial.
    expect(new Set(Array.from(scores, (v) => v.toFixed(3))).size).toBeGreaterThan(20);
  });

  it('values exactly on a split edge go right, as fraudctl bins them (bin = edges ≤ value)', async () => {
    const { model } = await tinyForest(['a', 'b', 'c'], { trees: 1, depth: 1, rows: 500 });
    const t = treeTables(model);
    expect(t.modes).toEqual(['BRANCH_LT', 'LEAF', 'LEAF']);
    const [f, edge] = [t.featureIds[0], t.values[0]];
    const session = await ort.InferenceSession.create(forestToOnnx(model, { producerVersion: 'test' }));
    const rows = [edge - 1e-9, edge, edge + 1e-9].map((v) => [0, 0, 0].map((z, i) => (i === f ? v : z)));
    const cols = [0, 1, 2].map((i) => Float64Array.from(rows, (row) => row[i]));
    const ours = model.predict(cols, 3);
    const y = (await session.run({ [ONNX_INPUT]: new ort.Tensor('float64', Float64Array.from(rows.flat()), [3, 3]) }))[ONNX_OUTPUT].data as Float32Array;
    expect(ours[0]).not.toBe(ours[1]);
    expect(ours[1]).toBe(ours[2]);
    for (let r = 0; r < 3; r++) expect(Math.abs(y[r] - ours[r])).toBeLessThan(1e-7);
  });
});
