/** Small generated tables for the forest tests (no checked-in data). */
import { featureOffset, groupCount, type BinnedTable } from '../../../src/model/forest/binnedTable.js';
import type { TrainingData } from '../../../src/model/forest/index.js';
import { Rng } from '../../../src/util/rng.js';

/** Columns from per-feature generators, labels from a rule on the row; all seeded. */
export function makeTable(
  nRows: number,
  seed: number,
  features: Record<string, (rng: Rng) => number>,
  label: (row: number[], rng: Rng) => boolean,
): TrainingData {
  const rng = new Rng(seed, 1);
  const featureNames = Object.keys(features);
  const gens = Object.values(features);
  const columns = featureNames.map(() => new Float64Array(nRows));
  const labels = new Uint8Array(nRows);
  for (let r = 0; r < nRows; r++) {
    const row = gens.map((g) => g(rng));
    row.forEach((v, f) => (columns[f][r] = v));
    labels[r] = label(row, rng) ? 1 : 0;
  }
  return { nRows, featureNames, columns, labels };
}

/** A noisy table like the fraud data: rare positives, a few informative features, the rest noise. */
export function noisyTable(nRows: number, seed: number): TrainingData {
  return makeTable(
    nRows,
    seed,
    {
      amount: (rng) => Math.round(Math.exp(rng.normal(3.5, 1)) * 100) / 100,
      night: (rng) => +(rng.next() < 0.2),
      risk: (rng) => rng.int(20) / 20,
      noise: (rng) => rng.normal(),
    },
    ([amount, night, risk], rng) => rng.next() < 0.02 + 0.3 * +(amount > 150) * risk + 0.1 * night * risk,
  );
}

/** A group-major binned table of random words, each row's label (0/1) in its tag byte; the sampled rows of the copy tests. */
export function randomBinnedTable(rng: Rng, nFeatures: number, nRows: number): { table: BinnedTable; samples: (Uint32Array | undefined)[] } {
  const groups = groupCount(nFeatures);
  const data = new Uint8Array(nRows * groups * 4).map(() => rng.int(256));
  for (let r = 0; r < nRows; r++) data[featureOffset(groups * 4 - 1, nRows) + 4 * r] = rng.int(2);
  const samples = [undefined, Uint32Array.from({ length: Math.floor(0.3 * nRows) }, (_, i) => 3 * i + (i % 3))];
  return { table: { data, nRows, nFeatures, groups, nBins: new Int32Array(nFeatures) }, samples };
}
