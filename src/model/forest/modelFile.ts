/**
 * The forest model file, version 1 (all numbers little-endian):
 *
 *   bytes 0-7    magic "FRDFRST\n"
 *   bytes 8-11   format version (uint32)
 *   bytes 12-15  header length H (uint32)
 *   bytes 16…    header: UTF-8 JSON, H bytes — feature names in order, params, bin edges,
 *                importances, and the list of sections that follow (name, element type, count)
 *   then         each section's typed array, starting on a multiple of 8 bytes
 *
 * Trees hold ~10^3–10^5 nodes each, so they go in binary sections (14 bytes a node), not JSON.
 * Reading checks the magic, the version, every size and every node reference, and fails with a
 * FraudctlError (exit 3) naming what is wrong.
 */
import { endianness } from 'node:os';
import { dataError, FraudctlError, ExitCode } from '../../errors.js';
import type { FlatForest } from './flatForest.js';
import type { ForestParts } from './model.js';
import { MAX_DEPTH, type ForestParams } from './types.js';

export const MODEL_MAGIC = 'FRDFRST\n';
export const MODEL_FORMAT_VERSION = 1;

type SectionName = keyof FlatForest;
const SECTIONS: readonly { name: SectionName; type: 'float64' | 'int32' | 'uint8' }[] = [
  { name: 'value', type: 'float64' },
  { name: 'left', type: 'int32' },
  { name: 'roots', type: 'int32' },
  { name: 'depths', type: 'int32' },
  { name: 'feature', type: 'uint8' },
  { name: 'threshold', type: 'uint8' },
];
const ARRAY_TYPES = { float64: Float64Array, int32: Int32Array, uint8: Uint8Array } as const;

interface Header {
  featureNames: string[];
  params: ForestParams;
  binEdges: number[][];
  importances: number[];
  sections: { name: SectionName; type: keyof typeof ARRAY_TYPES; count: number }[];
}

const align8 = (n: number) => (n + 7) & ~7;

function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('fraudctl model files are little-endian; this machine is big-endian');
}

export function encodeModel(parts: ForestParts): Buffer {
  assertLittleEndian();
  const header: Header = {
    featureNames: [...parts.featureNames],
    params: parts.params,
    binEdges: parts.binEdges.map((e) => Array.from(e)),
    importances: Array.from(parts.importances),
    sections: SECTIONS.map(({ name, type }) => ({ name, type, count: parts.forest[name].length })),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const chunks: Buffer[] = [Buffer.from(MODEL_MAGIC, 'latin1'), u32(MODEL_FORMAT_VERSION), u32(json.length), json];
  let size = 16 + json.length;
  for (const { name } of SECTIONS) {
    chunks.push(Buffer.alloc(align8(size) - size));
    size = align8(size);
    const a = parts.forest[name];
    chunks.push(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    size += a.byteLength;
  }
  return Buffer.concat(chunks, size);
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
}

export function decodeModel(buf: Buffer, expectedFeatureNames?: readonly string[]): ForestParts {
  assertLittleEndian();
  if (buf.length < 16 || buf.toString('latin1', 0, 8) !== MODEL_MAGIC) throw dataError('not a fraudctl forest model file (bad magic bytes)');
  const version = buf.readUInt32LE(8);
  if (version !== MODEL_FORMAT_VERSION) {
    throw new FraudctlError(`model file format version ${version} is not supported: this fraudctl reads version ${MODEL_FORMAT_VERSION}`, ExitCode.Data, {
      hint: 'retrain the model with this fraudctl, or score with the fraudctl version that wrote it',
    });
  }
  const headerLength = buf.readUInt32LE(12);
  if (16 + headerLength > buf.length) throw dataError('model file is truncated (header)');
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', 16, 16 + headerLength)) as Header;
  } catch (err) {
    throw new FraudctlError('model file header is not valid JSON', ExitCode.Data, { cause: err });
  }
  const names = header.featureNames;
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) throw dataError('model file header has no feature names');
  if (expectedFeatureNames) {
    const diff = describeFeatureDifference(names, expectedFeatureNames);
    if (diff) throw dataError(`the model's features differ from the expected ones: ${diff}`, 'retrain the model on the current feature set');
  }
  const forest = readSections(buf, align8(16 + headerLength), header.sections);
  const binEdges = header.binEdges.map((e) => Float64Array.from(e));
  checkForest(forest, names.length, binEdges);
  return { featureNames: names, params: header.params, binEdges, importances: Float64Array.from(header.importances), forest };
}

function readSections(buf: Buffer, offset: number, sections: Header['sections']): FlatForest {
  const out: Partial<Record<SectionName, Float64Array | Int32Array | Uint8Array>> = {};
  let at = offset;
  let end = offset;
  for (const { name, type } of SECTIONS) {
    const s = sections?.find((x) => x.name === name);
    if (!s || s.type !== type || !Number.isInteger(s.count) || s.count < 0) throw dataError(`model file has no valid '${name}' section`);
    const Type = ARRAY_TYPES[type];
    const bytes = s.count * Type.BYTES_PER_ELEMENT;
    if (at + bytes > buf.length) throw dataError(`model file is truncated (section '${name}')`);
    const copy = new Uint8Array(buf.subarray(at, at + bytes)).buffer;
    out[name] = type === 'float64' ? new Float64Array(copy) : type === 'int32' ? new Int32Array(copy) : new Uint8Array(copy);
    end = at + bytes;
    at = align8(end);
  }
  if (end !== buf.length) throw dataError(`model file has ${buf.length - end} unexpected trailing bytes`);
  return out as FlatForest;
}

/** Every node reference in range, so that a damaged file fails here and not as wrong scores. */
function checkForest(f: FlatForest, nFeatures: number, binEdges: Float64Array[]): void {
  const n = f.left.length;
  const bad = (what: string) => dataError(`model file is damaged: ${what}`);
  if (binEdges.length !== nFeatures) throw bad(`${binEdges.length} sets of bin edges for ${nFeatures} features`);
  if (f.feature.length !== n || f.threshold.length !== n || f.value.length !== n) throw bad('node sections differ in length');
  if (f.roots.length !== f.depths.length || f.roots.length === 0) throw bad('tree sections differ in length or are empty');
  for (let t = 0; t < f.roots.length; t++) {
    if (f.roots[t] < 0 || f.roots[t] >= n || f.depths[t] < 0 || f.depths[t] > MAX_DEPTH) throw bad(`tree ${t} has a bad root or depth`);
  }
  for (let i = 0; i < n; i++) {
    const l = f.left[i];
    if (l < 0 || (l !== i && l + 1 >= n) || f.feature[i] >= nFeatures) throw bad(`node ${i} refers to a missing node or feature`);
  }
}

/** Which names are missing, extra, or out of order — '' when the lists are equal. */
export function describeFeatureDifference(actual: readonly string[], expected: readonly string[]): string {
  const missing = expected.filter((n) => !actual.includes(n));
  const extra = actual.filter((n) => !expected.includes(n));
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`missing from the model: ${missing.join(', ')}`);
  if (extra.length > 0) parts.push(`not expected but in the model: ${extra.join(', ')}`);
  if (parts.length === 0) {
    const i = actual.findIndex((n, k) => n !== expected[k]);
    if (i >= 0) parts.push(`out of order: position ${i + 1} is ${actual[i]} in the model, ${expected[i]} expected`);
  }
  return parts.join('; ');
}
