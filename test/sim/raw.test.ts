import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb, sqlString } from '../../src/lake/db.js';
import { runCli } from '../helpers/cli.js';

const HEADER = '# tranaction_id | tx_datetime | customer_id | terminal_id | tx_amount | tx_time_seconds | tx_time_days | tx_fraud | tx_fraud_scenario';
const START_MS = Date.UTC(2019, 7, 22);

/** What a defect looks like in a parsed row, checked independently of the writer. */
function defectsOf(f: string[]): string[] {
  const [, datetime, customer, terminal, amount, seconds, days] = f;
  const out: string[] = [];
  if (datetime.endsWith(' 24:00:00')) out.push('hour24');
  else {
    const ms = Date.parse(`${datetime.replace(' ', 'T')}Z`);
    if (Number(seconds) !== (ms - START_MS) / 1000) out.push('wrongTimeSeconds');
    if (Number(days) !== Math.floor((ms - START_MS) / 86_400_000)) out.push('wrongDays');
  }
  if (terminal === '') out.push('emptyTerminal');
  if (terminal === 'Err') out.push('errTerminal');
  if (/^\d{5,}$/.test(terminal)) out.push('bigTerminal');
  if (customer === '-999999') out.push('negativeCustomer');
  if (amount === '0.00') out.push('zeroAmount');
  return out;
}

describe('fraudctl simulate --format raw', () => {
  const root = mkdtempSync(join(tmpdir(), 'fraudctl-raw-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const args = ['simulate', '--format', 'raw', '--start', '2019-08-22', '--days', '3', '--customers', '2500', '--terminals', '900', '--seed', '5'];

  it('writes the course format with exactly the injected defects, each on a row of its own', async () => {
    const out = join(root, 'dump.txt');
    const r = await runCli([...args, '--out', out, '--inject-defects', '--defects-per-kind', '7', '--json'], { cwd: root });
    expect(r.code).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    expect(lines[0]).toBe(HEADER);
    const data = lines.slice(1);
    const rows = data.map((l) => l.split(','));
    expect(rows.every((f) => f.length === 9)).toBe(true);
    expect(data.every((l) => !l.includes('"'))).toBe(true);
    expect(rows.every((f) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(f[1]) && /^\d+\.\d{2}$/.test(f[4]))).toBe(true);

    // Count each defect kind by reading the rows; duplicates are exact repeats of a line.
    const counts: Record<string, number> = { hour24: 0, wrongTimeSeconds: 0, duplicates: 0, emptyTerminal: 0, errTerminal: 0, bigTerminal: 0, negativeCustomer: 0, zeroAmount: 0 };
    const seen = new Set<string>();
    let multi = 0;
    for (const [i, f] of rows.entries()) {
      if (seen.has(data[i])) {
        counts.duplicates++;
        continue;
      }
      seen.add(data[i]);
      const d = defectsOf(f);
      if (d.length > 1) multi++;
      for (const k of d) counts[k] = (counts[k] ?? 0) + 1;
    }
    // A duplicated row carries no other defect.
    const dupLines = data.filter((l, i) => i > 0 && l === data[i - 1]);
    expect(dupLines.every((l) => defectsOf(l.split(',')).length === 0)).toBe(true);
    expect(multi).toBe(0);
    expect(counts).toEqual({ hour24: 7, wrongTimeSeconds: 7, duplicates: 7, emptyTerminal: 7, errTerminal: 7, bigTerminal: 7, negativeCustomer: 7, zeroAmount: 7 });
    expect(r.json!.injected).toEqual(counts);
    expect(r.json!.rows).toBe(data.length);
    expect(r.json!.transactions).toBe(data.length - 7);

    // hour24 rows: the old day's tx_time_days, and seconds of midnight of the next day.
    for (const f of rows.filter((x) => x[1].endsWith(' 24:00:00'))) {
      const day = Math.round((Date.parse(`${f[1].slice(0, 10)}T00:00:00Z`) - START_MS) / 86_400_000);
      expect([Number(f[5]), Number(f[6])]).toEqual([(day + 1) * 86_400, day]);
    }
    // Day-major, then customer order (sentinel customers aside); ids increase in file order.
    const ids = rows.map((f) => Number(f[0]));
    expect(ids.every((v, i) => i === 0 || v >= ids[i - 1])).toBe(true);
    const clean = rows.filter((f) => f[2] !== '-999999' && !f[1].endsWith(' 24:00:00'));
    const keys = clean.map((f) => Number(f[6]) * 1e6 + Number(f[2]));
    expect(keys.every((v, i) => i === 0 || v >= keys[i - 1])).toBe(true);
    // Not chronological within a day (customer order), unlike the lake.
    const day0 = rows.filter((f) => f[6] === '0').map((f) => f[1]);
    expect(day0.some((t, i) => i > 0 && t < day0[i - 1])).toBe(true);
  });

  it('holds the same transactions as the lake for the same seed (ids aside: the orders differ)', async () => {
    const out = join(root, 'clean.txt');
    const lake = join(root, 'lake');
    expect((await runCli([...args, '--out', out], { cwd: root })).code).toBe(0);
    expect((await runCli([...args.filter((a) => a !== '--format' && a !== 'raw'), '--lake', lake], { cwd: root })).code).toBe(0);
    const db = await openDb({ threads: 1 });
    try {
      const cols = 'tx_datetime, customer_id, terminal_id, tx_amount, tx_time_seconds, tx_time_days, tx_fraud, tx_fraud_scenario';
      const raw = `(SELECT ${cols} FROM read_csv(${sqlString(out)}, skip = 1, header = false, columns = {'transaction_id': 'BIGINT', 'tx_datetime': 'TIMESTAMP', 'customer_id': 'BIGINT', 'terminal_id': 'BIGINT', 'tx_amount': 'DOUBLE', 'tx_time_seconds': 'BIGINT', 'tx_time_days': 'INTEGER', 'tx_fraud': 'TINYINT', 'tx_fraud_scenario': 'TINYINT'}))`;
      const parquet = `(SELECT ${cols} FROM read_parquet(${sqlString(join(lake, 'transactions/*/data.parquet'))}, hive_partitioning = false))`;
      const [d] = await db.all<{ a: bigint; b: bigint; n: bigint }>(
        `SELECT (SELECT count(*) FROM (${raw} EXCEPT ALL ${parquet})) AS a, (SELECT count(*) FROM (${parquet} EXCEPT ALL ${raw})) AS b, (SELECT count(*) FROM ${raw}) AS n`,
      );
      // Over 2 × 2048 rows a day: full DuckDB chunks are reused, the last is partial.
      expect(Number(d.n)).toBeGreaterThan(3 * 2 * 2048);
      expect([Number(d.a), Number(d.b)]).toEqual([0, 0]);
    } finally {
      db.close();
    }
  });

  it('refuses to replace an existing file without --overwrite, and needs --out', async () => {
    const out = join(root, 'dump.txt');
    const before = readFileSync(out, 'utf8');
    const r = await runCli([...args, '--out', out], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('already exists');
    expect(readFileSync(out, 'utf8')).toBe(before);
    const o = await runCli([...args, '--out', out, '--overwrite', '--json'], { cwd: root });
    expect(o.code).toBe(0);
    expect(o.json!.injected).toMatchObject({ duplicates: 0, hour24: 0 });
    const n = await runCli(args, { cwd: root });
    expect(n.code).toBe(2);
    expect(n.stderr).toContain('--out');
  });

  it('exits 2 and leaves nothing when --out is in a missing directory', async () => {
    const r = await runCli([...args, '--out', join(root, 'nope', 'x.txt')], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out: the directory .*nope does not exist; create it first/); // checked before any work
    expect(existsSync(join(root, 'nope'))).toBe(false);
    expect(readdirSync(root).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
