import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { sqlString, type Db } from '../../src/lake/db.js';

export const MARTS = ['features/customer', 'features/terminal'] as const;

/** Files under dir, as '/date=…/data.parquet' paths, sorted. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name).slice(dir.length));
  return out.sort();
}

/**
 * The marts of `days` in lake directory `b` equal those in `a` (DuckDB's): parquet schema,
 * fraudctl key-value metadata, codec, row count and every value within 1e-9, row by row.
 */
export async function expectSameMarts(db: Db, a: string, b: string, days: readonly string[]): Promise<void> {
  for (const ds of MARTS) {
    for (const day of days) {
      const [pa, pb] = [join(a, ds, `date=${day}`, 'data.parquet'), join(b, ds, `date=${day}`, 'data.parquet')];
      const schema = (p: string) => db.all(`SELECT name, type, repetition_type, converted_type FROM parquet_schema(${sqlString(p)})`);
      expect(await schema(pb)).toEqual(await schema(pa));
      const kv = (p: string) => db.all(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${sqlString(p)}) WHERE decode(key) LIKE 'fraudctl.%' ORDER BY k`);
      expect(await kv(pb)).toEqual(await kv(pa));
      // delay, window end, missing history, spec name and spec hash
      expect((await kv(pa)).map((r) => r.k)).toEqual(['fraudctl.delay', 'fraudctl.missing_history', 'fraudctl.spec', 'fraudctl.spec_hash', 'fraudctl.window_end']);
      const codec = (p: string) => db.all(`SELECT DISTINCT compression FROM parquet_metadata(${sqlString(p)})`);
      expect(await codec(pb)).toEqual(await codec(pa));
      const rowsA = await db.all<Record<string, unknown>>(`SELECT * FROM read_parquet(${sqlString(pa)})`);
      const rowsB = await db.all<Record<string, unknown>>(`SELECT * FROM read_parquet(${sqlString(pb)})`);
      // A terminal mart whose window (delay 7) lies before the lake's first day is empty on both.
      if (!(ds === 'features/terminal' && rowsA.length === 0)) expect(rowsA.length).toBeGreaterThan(50);
      expect(rowsB.length).toBe(rowsA.length);
      for (let i = 0; i < rowsA.length; i += 1) {
        for (const [col, va] of Object.entries(rowsA[i])) {
          const vb = rowsB[i][col];
          if (typeof va === 'number') expect(Math.abs(va - (vb as number)), `${ds} ${day} row ${i} ${col}`).toBeLessThanOrEqual(1e-9);
          else expect(String(vb), `${ds} ${day} row ${i} ${col}`).toBe(String(va));
        }
      }
    }
  }
}
