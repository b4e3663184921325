import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/lake/db.js';
import { runCli } from '../helpers/cli.js';
import { oracleCustomerMart, oracleTerminalMart } from './helpers/oracle.js';
import { randomTxLake, tmpLakeDir, writeTxLake, type TxLake } from './helpers/txLake.js';

/** `fraudctl marts build|show` end to end, in-process. The lake: 2025-01-01 … 2025-02-19 (50 days). */
describe('fraudctl marts', () => {
  let db: Db;
  let tx: TxLake;
  const root = tmpLakeDir();
  const cli = (...argv: string[]) => runCli([...argv, '--lake', root], { cwd: root });
  const martFile = (ds: string, day: string) => join(root, 'features', ds, `date=${day}`, 'data.parquet');

  beforeAll(async () => {
    db = await openDb({ threads: 1 });
    tx = randomTxLake({ seed: 3, start: '2025-01-01', days: 50, customers: 30, terminals: 6, txPerDay: 20, fraudRate: 0.2 });
    await writeTxLake(db, root, tx);
  });
  afterAll(() => db.close());

  it('builds one day, then skips it, then rebuilds it with --overwrite', async () => {
    const first = await cli('marts', 'build', '--date', '2025-02-10', '--json');
    expect(first.code).toBe(0);
    expect(first.json).toMatchObject({ ok: true, delay: 7, built: ['2025-02-10'], skipped: [], missingHistory: [] });
    const days = first.json!.days as { customers: number; terminals: number }[];
    expect(days[0].customers).toBe(oracleCustomerMart(tx, '2025-02-10').size);
    expect(days[0].terminals).toBe(oracleTerminalMart(tx, '2025-02-10', 7).size);
    const again = await cli('marts', 'build', '--date', '2025-02-10', '--json');
    expect(again.json).toMatchObject({ built: [], skipped: ['2025-02-10'] });
    const over = await cli('marts', 'build', '--date', '2025-02-10', '--overwrite', '--json');
    expect(over.json).toMatchObject({ built: ['2025-02-10'], skipped: [] });
  });

  it('says which builder ran and why: full without a state of the day before, then incremental; --full and FRAUDCTL_FULL_MARTS force the full builder', async () => {
    const first = await cli('marts', 'build', '--date', '2025-02-15', '--json');
    expect(first.json).toMatchObject({ builder: 'full', reason: 'customer: no readable window state of 2025-02-14; terminal: no readable window state of 2025-02-14' });
    const next = await cli('marts', 'build', '--date', '2025-02-16', '--json');
    expect(next.json).toMatchObject({ builder: 'incremental', days: [{ day: '2025-02-16', builder: 'incremental', marts: { customer: { builder: 'incremental' }, terminal: { builder: 'incremental' } } }] });
    const bytes = readFileSync(martFile('customer', '2025-02-16'));
    const forced = await cli('marts', 'build', '--date', '2025-02-16', '--overwrite', '--full');
    expect(forced.stdout).toContain('2025-02-16: full builder — customer: full builder asked (--full)');
    expect(readFileSync(martFile('customer', '2025-02-16')).equals(bytes)).toBe(true);
    const env = await runCli(['marts', 'build', '--date', '2025-02-17', '--lake', root, '--json'], { cwd: root, env: { FRAUDCTL_FULL_MARTS: 'true' } });
    expect(env.json).toMatchObject({ builder: 'full', days: [{ marts: { customer: { reason: 'full builder asked (--full)' } } }] });
    const back = await runCli(['marts', 'build', '--date', '2025-02-17', '--overwrite', '--no-full', '--lake', root, '--json'], { cwd: root, env: { FRAUDCTL_FULL_MARTS: 'true' } });
    expect(back.json).toMatchObject({ builder: 'incremental' });
  });

  it('builds a range, each day on its own; human output is a table', async () => {
    const r = await cli('marts', 'build', '--from', '2025-02-11', '--to', '2025-02-13', '--delay', '3');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/2025-02-11 .* built/);
    expect(r.stdout).toMatch(/2025-02-13 .* built/);
    for (const day of ['2025-02-11', '2025-02-12', '2025-02-13']) expect(existsSync(martFile('terminal', day))).toBe(true);
  });

  it('fails with exit 3 naming the missing days, and builds over them with --allow-partial-history', async () => {
    // 2025-01-20 with delay 7 needs 2024-12-15 … 2025-01-20; the lake starts 2025-01-01.
    const r = await cli('marts', 'build', '--date', '2025-01-20', '--json');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('2024-12-15…2024-12-31 (17 days)');
    expect(r.stderr).toContain('--allow-partial-history');
    expect(existsSync(martFile('customer', '2025-01-20'))).toBe(false);
    const p = await cli('marts', 'build', '--date', '2025-01-20', '--allow-partial-history', '--json');
    expect(p.code).toBe(0);
    expect((p.json!.missingHistory as string[]).length).toBe(17);
    expect(p.stderr).toContain('partial history');
  });

  it('checks the whole range before writing anything', async () => {
    const r = await cli('marts', 'build', '--from', '2025-02-14', '--to', '2025-02-21', '--json');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('2025-02-20…2025-02-21');
    expect(existsSync(martFile('customer', '2025-02-14'))).toBe(false);
  });

  it('refuses to reuse marts built with another delay (exit 3, naming both), rebuilds them with --overwrite', async () => {
    // 2025-02-11 … 02-13 were built with --delay 3 above.
    const r = await cli('marts', 'build', '--from', '2025-02-11', '--to', '2025-02-13', '--json');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/terminal mart of 2025-02-11 .* delay 3; asked: spec handbook@[0-9a-f]{12}, delay 7/);
    expect(r.stderr).toContain('--overwrite');
    const o = await cli('marts', 'build', '--from', '2025-02-11', '--to', '2025-02-13', '--overwrite', '--json');
    expect(o.json).toMatchObject({ built: ['2025-02-11', '2025-02-12', '2025-02-13'] });
    // The customer mart does not depend on the delay: it is reused across delays.
    const c = await cli('marts', 'build', '--date', '2025-02-11', '--delay', '3', '--json');
    expect(c.code).toBe(3);
    expect(c.stderr).toContain('terminal mart of 2025-02-11');
    expect(c.stderr).not.toContain('customer mart of 2025-02-11');
  });

  it("needs the day's own transactions even with --allow-partial-history", async () => {
    const r = await cli('marts', 'build', '--date', '2025-03-01', '--allow-partial-history');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('2025-03-01');
  });

  it('rejects bad flags with exit 2, naming the flag', async () => {
    const cases: [string[], RegExp][] = [
      [['--date', '2025-02-30'], /--date/],
      [['--date', '2025-02-10', '--from', '2025-02-01', '--to', '2025-02-02'], /either --date D or --from D1 --to D2/],
      [['--from', '2025-02-05', '--to', '2025-02-01'], /--to \(2025-02-01\) must not be before --from/],
      [['--from', '2025-02-05'], /--from D1 and --to D2/],
      [['--date', '2025-02-10', '--delay', '-1'], /--delay/],
    ];
    for (const [args, msg] of cases) {
      const r = await cli('marts', 'build', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
    const s = await cli('marts', 'show', '--date', '2025-02-10', '--customer', '1', '--terminal', '2');
    expect(s.code).toBe(2);
    expect(s.stderr).toContain('exactly one of --customer ID or --terminal ID');
    expect((await cli('marts', 'show', '--date', '2025-02-10', '--customer', 'abc')).code).toBe(2);
  });

  it('a failed rebuild leaves the previous partitions intact, with no temporary file behind', async () => {
    const day = '2025-02-15';
    expect((await cli('marts', 'build', '--date', day)).code).toBe(0);
    const before = { c: readFileSync(martFile('customer', day)), t: readFileSync(martFile('terminal', day)) };
    // Corrupt a transactions partition inside the window, then rebuild.
    const victim = join(root, 'transactions', 'date=2025-02-01', 'data.parquet');
    const good = readFileSync(victim);
    writeFileSync(victim, 'not parquet');
    const r = await cli('marts', 'build', '--date', day, '--overwrite');
    writeFileSync(victim, good);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('2025-02-01');
    expect(readFileSync(martFile('customer', day)).equals(before.c)).toBe(true);
    expect(readFileSync(martFile('terminal', day)).equals(before.t)).toBe(true);
    for (const ds of ['customer', 'terminal']) expect(readdirSync(join(root, 'features', ds, `date=${day}`))).toEqual(['data.parquet']);
  });

  it('shows one entity with its windows, and zeros for an entity without history', async () => {
    expect((await cli('marts', 'build', '--date', '2025-02-18')).code).toBe(0);
    const cust = oracleCustomerMart(tx, '2025-02-18');
    const id = [...cust.keys()][0];
    const r = await cli('marts', 'show', '--date', '2025-02-18', '--customer', String(id), '--json');
    expect(r.code).toBe(0);
    const f = r.json!.features as { name: string; value: number; from: string; to: string }[];
    expect(f.map((x) => x.name)).toEqual(['cust_nb_tx_1d', 'cust_avg_amount_1d', 'cust_nb_tx_7d', 'cust_avg_amount_7d', 'cust_nb_tx_30d', 'cust_avg_amount_30d']);
    expect(f[2]).toMatchObject({ value: cust.get(id)![2], from: '2025-02-12', to: '2025-02-18' });
    expect(f[5].value).toBeCloseTo(cust.get(id)![5], 9);
    const t = await cli('marts', 'show', '--date', '2025-02-18', '--terminal', '0');
    expect(t.stdout).toContain('label delay 7 days');
    expect(t.stdout).toMatch(/term_risk_30d +[\d.]+ +2025-01-13 +2025-02-11/);
    const none = await cli('marts', 'show', '--date', '2025-02-18', '--customer', '999999', '--json');
    expect(none.json).toMatchObject({ found: false });
    expect((none.json!.features as { value: number }[]).every((x) => x.value === 0)).toBe(true);
    const missing = await cli('marts', 'show', '--date', '2025-02-19', '--customer', '1');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('fraudctl marts build --date 2025-02-19');
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));
});
