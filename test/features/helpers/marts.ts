import { PassThrough } from 'node:stream';
import { readParquetList, type Db } from '../../../src/lake/db.js';
import { LocalLake } from '../../../src/lake/localLake.js';
import { createLogger, type Logger } from '../../../src/log.js';
import { CUSTOMER_MART_COLUMNS, TERMINAL_MART_COLUMNS } from './legacyMartSql.js';
import type { Day } from '../../../src/util/dates.js';

export const quietLog = (): Logger => createLogger({ level: 'silent', stream: new PassThrough() });

/** A mart partition as entity id → values in CUSTOMER/TERMINAL_MART_COLUMNS order. */
export async function readMart(db: Db, root: string, mart: 'customer' | 'terminal', day: Day): Promise<Map<number, number[]>> {
  const lake = new LocalLake(root);
  const [path] = await lake.pathsForRead(mart === 'customer' ? 'features/customer' : 'features/terminal', [day]);
  const cols = mart === 'customer' ? CUSTOMER_MART_COLUMNS : TERMINAL_MART_COLUMNS;
  const key = mart === 'customer' ? 'customer_id' : 'terminal_id';
  const rows = await db.all<Record<string, unknown>>(`SELECT * FROM ${readParquetList([path])}`);
  return new Map(rows.map((r) => [Number(r[key]), cols.map((c) => Number(r[c]))]));
}

/** Asserts two marts hold the same entities and values: counts exact, means within 1e-9. Returns a description of the first difference. */
export function martDiff(actual: Map<number, number[]>, expected: Map<number, number[]>): string | undefined {
  const a = [...actual.keys()].sort((x, y) => x - y);
  const e = [...expected.keys()].sort((x, y) => x - y);
  if (a.join() !== e.join()) return `entities differ: got [${a.join()}], expected [${e.join()}]`;
  for (const id of e) {
    const x = actual.get(id)!;
    const y = expected.get(id)!;
    for (let i = 0; i < y.length; i += 1) {
      const ok = i % 2 === 0 ? x[i] === y[i] : Math.abs(x[i] - y[i]) <= 1e-9;
      if (!ok) return `entity ${id} column ${i}: got ${x[i]}, expected ${y[i]}`;
    }
  }
  return undefined;
}
