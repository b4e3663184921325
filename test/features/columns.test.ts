import { describe, expect, it } from 'vitest';
import { scatterColumns } from '../../src/features/columns.js';
import { openDb } from '../../src/lake/db.js';

describe('scatterColumns', () => {
  it('places each row at its position, over several chunks, on the fast and the item-by-item path', async () => {
    const db = await openDb({ threads: 1 });
    // 5000 rows (3 chunks of at most 2048), positions reversed; INTEGER has no Float64Array to borrow.
    const result = await db.conn.run(`SELECT 4999 - range AS pos, CAST(range * 10 AS DOUBLE) AS d, range AS b, CAST(range AS INTEGER) AS i FROM range(5000)`);
    const d = new Float64Array(5000);
    const b = new BigInt64Array(5000);
    const i = new Float64Array(5000);
    const rows = await scatterColumns(result, 0, [
      { column: 1, out: d },
      { column: 2, out: b },
      { column: 3, out: i },
    ]);
    db.close();
    expect(rows).toBe(5000);
    expect([d[0], d[1], d[4999]]).toEqual([49_990, 49_980, 0]);
    expect([b[0], b[4999]]).toEqual([4999n, 0n]);
    expect([i[0], i[2500], i[4999]]).toEqual([4999, 2499, 0]);
  });

  it('copies chunks of consecutive positions whole, and chunks that wrap around one row at a time', async () => {
    const db = await openDb({ threads: 1 });
    // positions 2500 … 4999 then 0 … 2499: chunk 1 (rows 0 … 2047) is consecutive, chunk 2 wraps at 4999 → 0.
    const result = await db.conn.run(`SELECT (range + 2500) % 5000 AS pos, CAST(range AS DOUBLE) AS d, range AS b FROM range(5000)`);
    const d = new Float64Array(5000);
    const b = new BigInt64Array(5000);
    expect(await scatterColumns(result, 0, [{ column: 1, out: d }, { column: 2, out: b }])).toBe(5000);
    db.close();
    expect(Array.from(d)).toEqual(Array.from({ length: 5000 }, (_, p) => (p + 2500) % 5000));
    expect([b[2500], b[4999], b[0], b[2499]]).toEqual([0n, 2499n, 2500n, 4999n]);
  });

  it('a DOUBLE column of 0/1 into a Uint8Array, copied whole and row by row', async () => {
    const db = await openDb({ threads: 1 });
    const result = await db.conn.run(`SELECT (range + 2500) % 5000 AS pos, CAST(range % 3 = 0 AS DOUBLE) AS flag FROM range(5000)`);
    const flag = new Uint8Array(5000);
    expect(await scatterColumns(result, 0, [{ column: 1, out: flag }])).toBe(5000);
    db.close();
    expect(Array.from(flag)).toEqual(Array.from({ length: 5000 }, (_, p) => (((p + 2500) % 5000) % 3 === 0 ? 1 : 0)));
  });
});
