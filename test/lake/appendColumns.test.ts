import { describe, expect, it } from 'vitest';
import { appendColumns } from '../../src/lake/appendColumns.js';
import { openDb } from '../../src/lake/db.js';

describe('appendColumns', () => {
  it('stores every value of every column type exactly, across chunk boundaries', async () => {
    const n = 5000; // 2048 + 2048 + 904: three chunks, the last one short
    const big = BigInt64Array.from({ length: n }, (_, i) => (BigInt(i) * 1_000_000_007n) - 9_000_000_000_000_000_000n);
    const dbl = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -i / 7 : i * 1e-300));
    const int = Int32Array.from({ length: n }, (_, i) => (i % 2 ? -i : i * 4099));
    const tiny = Int8Array.from({ length: n }, (_, i) => ((i % 256) - 128));
    const ubyte = Uint8Array.from({ length: n }, (_, i) => i % 100); // TINYINT from a Uint8Array: the item-by-item path
    const db = await openDb({ threads: 1 });
    try {
      await appendColumns(db, 't', [
        { name: 'k', type: 'INTEGER', values: Int32Array.from({ length: n }, (_, i) => i) },
        { name: 'b', type: 'BIGINT', values: big },
        { name: 'd', type: 'DOUBLE', values: dbl },
        { name: 'i', type: 'INTEGER', values: int },
        { name: 't', type: 'TINYINT', values: tiny },
        { name: 'u', type: 'TINYINT', values: ubyte },
      ]);
      const rows = await db.all<{ k: number; b: bigint; d: number; i: number; t: number; u: number }>('SELECT * FROM t ORDER BY k');
      expect(rows.length).toBe(n);
      const [nulls] = await db.all<{ n: bigint }>('SELECT COUNT(*) FILTER (WHERE b IS NULL OR d IS NULL OR i IS NULL OR t IS NULL OR u IS NULL) AS n FROM t');
      expect(nulls.n).toBe(0n);
      rows.forEach((r, k) => {
        expect(r.b).toBe(big[k]);
        expect(Object.is(r.d, dbl[k])).toBe(true);
        expect(r.i).toBe(int[k]);
        expect(r.t).toBe(tiny[k]);
        expect(r.u).toBe(ubyte[k]);
      });
    } finally {
      db.close();
    }
  });
});
