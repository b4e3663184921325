/** A trained forest: feature names in order, bin edges, flat trees, importances. */
import { dataError } from '../../errors.js';
import { binRows } from './binRows.js';
import type { FlatForest } from './flatForest.js';
import { decodeModel, encodeModel } from './modelFile.js';
import { compileForest, predictBinned, type CompiledForest } from './predictKernel.js';
import { WasmForest } from './predictWasm.js';
import type { ForestParams } from './types.js';

/** Everything a model file holds. */
export interface ForestParts {
  featureNames: readonly string[];
  params: ForestParams;
  binEdges: Float64Array[];
  importances: Float64Array;
  forest: FlatForest;
}

/** Rows binned and walked at a time: their bins (15 bytes a row) stay in the core's cache. */
const PREDICT_CHUNK_ROWS = 1 << 16;

export class ForestModel {
  readonly featureNames: readonly string[];
  readonly params: ForestParams;
  /** @internal */ readonly parts: ForestParts;
  private compiled?: CompiledForest;
  private wasmFloats?: WasmForest | null;

  /** @internal Use trainForest or loadForest / fromBuffer. */
  constructor(parts: ForestParts) {
    this.parts = parts;
    this.featureNames = parts.featureNames;
    this.params = parts.params;
  }

  /**
   * P(fraud) per row: the mean over trees of the leaf's fraud fraction. Columns in featureNames
   * order. Binned a chunk at a time with the model's edges and walked in wasm (predictWasm.ts),
   * or without it in JS (predictRange): the same numbers either way.
   */
  predict(columns: Float64Array[], nRows: number): Float64Array {
    checkColumns(this.featureNames, columns, nRows);
    const out = new Float64Array(nRows);
    const wasm = this.floatKernel();
    if (!wasm) {
      predictRange(this.parts, columns, 0, nRows, out, this.compiledForest());
      return out;
    }
    const bad = new Float64Array(columns.length);
    wasm.predictColumns(columns, this.parts.binEdges, 0, nRows, out, bad);
    refuseNonFinite(this.featureNames, bad);
    return out;
  }

  /** @internal The forest in a wasm memory (made once per model and thread; null: use the JS kernel). */
  floatKernel(): WasmForest | null {
    if (this.wasmFloats === undefined) this.wasmFloats = WasmForest.create(this.parts.forest, this.featureNames.length);
    return this.wasmFloats;
  }

  /** @internal The packed trees prediction walks (compiled once per model). */
  compiledForest(): CompiledForest {
    return (this.compiled ??= compileForest(this.parts.forest));
  }

  /** Mean decrease in impurity per feature, summing to 1 (all 0 when no tree ever split). */
  importances(): Record<string, number> {
    return Object.fromEntries(this.featureNames.map((name, f) => [name, this.parts.importances[f]]));
  }

  nodeCount(): number {
    return this.parts.forest.left.length;
  }

  toBuffer(): Buffer {
    return encodeModel(this.parts);
  }

  /** Reads a model file's bytes; with expectedFeatureNames, refuses a model built on other features. */
  static fromBuffer(buf: Buffer, expectedFeatureNames?: readonly string[]): ForestModel {
    return new ForestModel(decodeModel(buf, expectedFeatureNames));
  }
}

/** Predicts rows [start, end) into out[0 … end-start), binning a chunk of rows at a time. */
export function predictRange(
  parts: ForestParts,
  columns: readonly Float64Array[],
  start: number,
  end: number,
  out: Float64Array,
  compiled = compileForest(parts.forest),
): void {
  const stride = parts.featureNames.length;
  const chunk = Math.min(PREDICT_CHUNK_ROWS, end - start);
  const bins = new Uint8Array(chunk * stride);
  for (let r0 = start; r0 < end; r0 += chunk) {
    const r1 = Math.min(end, r0 + chunk);
    binRows(columns, parts.binEdges, r0, r1, bins, (f) => f, stride, parts.featureNames);
    predictBinned(compiled, bins, stride, 0, r1 - r0, out.subarray(r0 - start, r1 - start));
  }
}

/** Refuses rows with missing or infinite values (exit 3), as binning does: bad[f] counts feature f's. */
export function refuseNonFinite(names: readonly string[], bad: Float64Array): void {
  const f = bad.findIndex((n) => n > 0);
  if (f >= 0) throw dataError(`feature ${names[f]} has ${bad[f]} missing or infinite values; the forest needs finite numbers`);
}

export function checkColumns(names: readonly string[], columns: readonly Float64Array[], nRows: number): void {
  if (!Number.isInteger(nRows) || nRows < 0) throw dataError(`nRows must be a whole number ≥ 0, got ${nRows}`);
  if (columns.length !== names.length) {
    throw dataError(`the model needs ${names.length} feature columns (${names.join(', ')}), got ${columns.length}`);
  }
  const short = names.filter((_, f) => columns[f].length < nRows);
  if (short.length > 0) throw dataError(`feature columns shorter than ${nRows} rows: ${short.join(', ')}`);
}
