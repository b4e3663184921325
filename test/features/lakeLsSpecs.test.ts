import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRESETS } from '../../src/features/presets.js';
import { runCli } from '../helpers/cli.js';
import { startS3Server, type S3ServerHandle } from '../helpers/s3server.js';

interface Listing {
  dataset: string;
  spec?: string;
  entity?: string;
  partitions: { date: string; rows: number }[];
}

/** `lake ls` shows the marts of every spec in the lake (features/<spec>/…), each with its spec name, on a local and an S3 lake. */
describe('lake ls lists the marts of every feature spec', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fraudctl-lakels-specs-'));
  const env: Record<string, string> = { FRAUDCTL_THREADS: '1', FRAUDCTL_CACHE_DIR: join(dir, 'cache') };
  const lake = join(dir, 'lake');
  // A spec file of its own name: the handbook preset's definition renamed "mine".
  const mine = join(dir, 'mine.json');
  let s3: S3ServerHandle;
  /** Rows written per dataset and day, as `marts build --json` reported them. */
  const built = new Map<string, number>();

  const build = async (lakeUri: string, features: string, day: string, e = env) => {
    const r = await runCli(['marts', 'build', '--lake', lakeUri, '--date', day, '--features', features, '--allow-partial-history', '--json'], { env: e });
    expect(r.code, r.stderr).toBe(0);
    const spec = (r.json!.features as { spec: string }).spec;
    const [res] = r.json!.days as { customers: number; terminals: number }[];
    const base = spec === 'handbook' ? 'features' : `features/${spec}`;
    built.set(`${lakeUri} ${base}/customer ${day}`, res.customers);
    built.set(`${lakeUri} ${base}/terminal ${day}`, res.terminals);
  };

  beforeAll(async () => {
    writeFileSync(mine, JSON.stringify({ ...PRESETS.handbook, name: 'mine' }));
    const sim = await runCli(['simulate', '--start', '2025-01-01', '--days', '12', '--customers', '150', '--terminals', '300', '--seed', '4', '--lake', lake], { env });
    expect(sim.code, sim.stderr).toBe(0);
    await build(lake, 'handbook', '2025-01-11');
    await build(lake, 'seed', '2025-01-10');
    await build(lake, 'seed', '2025-01-12');
    await build(lake, mine, '2025-01-12');
    s3 = await startS3Server(['lake']);
    Object.assign(env, s3.env);
  }, 120_000);
  afterAll(async () => {
    await s3?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const check = (lakeUri: string, sets: Listing[]) => {
    expect(sets.map((s) => [s.dataset, s.spec, s.entity])).toEqual([
      ['transactions', undefined, undefined],
      ['features/customer', 'handbook', 'customer'],
      ['features/terminal', 'handbook', 'terminal'],
      ['features/mine/customer', 'mine', 'customer'],
      ['features/mine/terminal', 'mine', 'terminal'],
      ['features/seed/customer', 'seed', 'customer'],
      ['features/seed/terminal', 'seed', 'terminal'],
      ['scores', undefined, undefined],
      ['quarantine', undefined, undefined],
    ]);
    for (const s of sets.filter((x) => x.spec)) {
      for (const p of s.partitions) expect(p.rows, `${s.dataset} ${p.date}`).toBe(built.get(`${lakeUri} ${s.dataset} ${p.date}`));
    }
    expect(sets.find((s) => s.dataset === 'features/seed/customer')!.partitions.map((p) => p.date)).toEqual(['2025-01-10', '2025-01-12']);
    expect(sets.find((s) => s.dataset === 'features/customer')!.partitions.map((p) => p.date)).toEqual(['2025-01-11']);
  };

  it('local lake: every spec, with its name, and the row counts marts build reported (--json)', async () => {
    const r = await runCli(['lake', 'ls', '--lake', lake, '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    check(lake, r.json!.datasets as Listing[]);
  });

  it('prints each spec mart with its spec name; --dataset picks one of them', async () => {
    const r = await runCli(['lake', 'ls', '--lake', lake], { env });
    expect(r.stdout).toContain('features/seed/customer (customer marts of spec seed): 2 partitions, 2025-01-10 … 2025-01-12');
    expect(r.stdout).toContain('missing days (1): 2025-01-11');
    expect(r.stdout).toContain('features/terminal (terminal marts of spec handbook): 1 partitions');
    const one = await runCli(['lake', 'ls', '--lake', lake, '--dataset', 'features/customer', '--json'], { env });
    expect((one.json!.datasets as Listing[]).map((s) => [s.dataset, s.spec])).toEqual([['features/customer', 'handbook']]);
  });

  it('S3 lake: the same listing, the spec folders found by a delimited listing', async () => {
    const sync = await runCli(['lake', 'sync', '--from', lake, '--to', 's3://lake/specs', '--dataset', 'transactions', '--json'], { env });
    expect(sync.code, sync.stderr).toBe(0);
    const s3Lake = 's3://lake/specs';
    await build(s3Lake, 'handbook', '2025-01-11');
    await build(s3Lake, 'seed', '2025-01-10');
    await build(s3Lake, 'seed', '2025-01-12');
    await build(s3Lake, mine, '2025-01-12');
    const r = await runCli(['lake', 'ls', '--lake', s3Lake, '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    check(s3Lake, r.json!.datasets as Listing[]);
  }, 120_000);
});
