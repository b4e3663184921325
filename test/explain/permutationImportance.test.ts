import { describe, expect, it } from 'vitest';
import { permutationImportance, subsampleRows } from '../../src/explain/permutationImportance.js';
import { trainForest } from '../../src/model/forest/index.js';
import { takeRows } from '../../src/model/sample.js';
import { noisyTable } from '../model/forest/fixtures.js';

describe('subsampleRows', () => {
  it('names the rows permutation importance samples: passing only those gives the same importances as the whole table', async () => {
    const data = noisyTable(4000, 21);
    const model = await trainForest(data, { nTrees: 8, maxDepth: 5, seed: 2, threads: 1 });
    const whole = await permutationImportance(model, data.columns, data.labels, data.nRows, { seed: 5, maxRows: 1500, threads: 1 });
    const pick = subsampleRows(data.nRows, 1500, 5)!;
    expect(pick.length).toBe(1500);
    expect([...pick].every((r, i) => i === 0 || r > pick[i - 1])).toBe(true);
    const rows = takeRows(data.columns, data.labels, pick);
    const part = await permutationImportance(model, rows.columns, rows.labels, pick.length, { seed: 5, maxRows: 1500, threads: 1 });
    expect(part).toEqual(whole);
    expect(whole.rows).toBe(1500);
    // Another seed samples other rows (the seed is not ignored); no sample when all rows fit.
    expect(subsampleRows(data.nRows, 1500, 6)).not.toEqual(pick);
    expect(subsampleRows(1500, 1500, 5)).toBeUndefined();
  });
});
