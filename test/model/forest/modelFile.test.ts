import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import { FEATURE_NAMES } from '../../../src/features/spec.js';
import { ForestModel, loadForest, MODEL_FORMAT_VERSION, saveForest, trainForest } from '../../../src/model/forest/index.js';
import { makeTable } from './fixtures.js';

const dir = await mkdtemp(join(tmpdir(), 'fraudctl-model-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

// A small model on the real feature list, so the mismatch messages read as they will in use.
const gens = Object.fromEntries(FEATURE_NAMES.map((name, f) => [name, (rng: { next(): number }) => rng.next() * (f + 1)]));
const data = makeTable(2000, 4, gens, ([amount], rng) => rng.next() < (amount > 0.9 ? 0.5 : 0.05));
const model = await trainForest(data, { nTrees: 3, maxDepth: 4, seed: 2, threads: 1 });
const bytes = model.toBuffer();

const dataError = (message: string | RegExp) => expect.objectContaining({ exitCode: ExitCode.Data, message: expect.stringMatching(message) });

describe('model file', () => {
  it('starts with the magic bytes and the format version', () => {
    expect(bytes.toString('latin1', 0, 8)).toBe('FRDFRST\n');
    expect(bytes.readUInt32LE(8)).toBe(MODEL_FORMAT_VERSION);
  });

  it('loads with the expected feature list', async () => {
    const path = join(dir, 'ok.bin');
    await saveForest(model, path);
    const loaded = await loadForest(path, FEATURE_NAMES);
    expect(loaded.featureNames).toEqual(FEATURE_NAMES);
    expect(loaded.toBuffer().equals(bytes)).toBe(true);
  });

  it('fails with exit 3 naming missing and extra features', () => {
    const expected = [...FEATURE_NAMES.slice(0, 14), 'term_fraud_ratio_30d'];
    expect(() => ForestModel.fromBuffer(bytes, expected)).toThrow(
      dataError(/missing from the model: term_fraud_ratio_30d; not expected but in the model: term_risk_30d/),
    );
    expect(() => ForestModel.fromBuffer(bytes, FEATURE_NAMES.slice(1))).toThrow(dataError(/not expected but in the model: tx_amount$/));
  });

  it('fails with exit 3 naming the first feature out of order', () => {
    const swapped = [FEATURE_NAMES[1], FEATURE_NAMES[0], ...FEATURE_NAMES.slice(2)];
    expect(() => ForestModel.fromBuffer(bytes, swapped)).toThrow(
      dataError('out of order: position 1 is tx_amount in the model, tx_during_weekend expected'),
    );
  });

  it('refuses another format version, saying which versions', () => {
    const v2 = Buffer.from(bytes);
    v2.writeUInt32LE(MODEL_FORMAT_VERSION + 1, 8);
    expect(() => ForestModel.fromBuffer(v2)).toThrow(dataError(`format version ${MODEL_FORMAT_VERSION + 1} is not supported: this fraudctl reads version ${MODEL_FORMAT_VERSION}`));
  });

  it('refuses other files, truncated files and damaged trees', async () => {
    expect(() => ForestModel.fromBuffer(Buffer.from('{"not": "a model"}'))).toThrow(dataError('not a fraudctl forest model file'));
    expect(() => ForestModel.fromBuffer(bytes.subarray(0, bytes.length - 1))).toThrow(dataError('truncated'));
    expect(() => ForestModel.fromBuffer(Buffer.concat([bytes, Buffer.alloc(8)]))).toThrow(dataError('8 unexpected trailing bytes'));
    // The 'left' section follows the node values; point the root past the last node.
    const damaged = Buffer.from(bytes);
    const leftAt = bytes.indexOf(Buffer.from(Int32Array.from(model.parts.forest.left).buffer));
    damaged.writeInt32LE(1_000_000, leftAt);
    expect(() => ForestModel.fromBuffer(damaged)).toThrow(dataError('damaged: node 0 refers to a missing node'));
    const path = join(dir, 'absent.bin');
    await expect(loadForest(path)).rejects.toThrow(dataError(`model file ${path} does not exist`));
    await writeFile(join(dir, 'junk.bin'), 'junk');
    await expect(loadForest(join(dir, 'junk.bin'))).rejects.toThrow(dataError(/junk\.bin: not a fraudctl forest model/));
  });
});
