import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featureNames } from '../../src/features/featureSpec.js';
import { presetSpec } from '../../src/features/loadFeatureSpec.js';
import { runCli } from '../helpers/cli.js';

/** `--features` end to end: a seed model carries its spec; score and daily follow it; specs live side by side. */
const dir = mkdtempSync(join(tmpdir(), 'fraudctl-features-'));
const lake = join(dir, 'lake');
const mlruns = join(dir, 'mlruns');
const base = ['--lake', lake, '--tracking-uri', mlruns];
const modelOut = join(dir, 'model');
const mart = (spec: string, entity: string, day: string) => join(lake, 'features', ...(spec === 'handbook' ? [] : [spec]), entity, `date=${day}`, 'data.parquet');
const seed = presetSpec('seed');

beforeAll(async () => {
  const sim = await runCli(['simulate', '--start', '2025-01-01', '--days', '45', '--customers', '400', '--terminals', '800', '--seed', '8', '--lake', lake]);
  expect(sim.code, sim.stderr).toBe(0);
  const tr = await runCli(['train', ...base, '--features', 'seed', '--days', '3', '--test-day', '2025-02-13', '--max-evals', '1', '--trees', '10:10', '--depth', '4:4', '--threads', '1', '--out', modelOut, '--json']);
  expect(tr.code, tr.stderr).toBe(0);
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--features', () => {
  it('train: the model directory and the MLflow run carry the spec name, hash and column order', () => {
    const carried = JSON.parse(readFileSync(join(modelOut, 'feature_spec.json'), 'utf8'));
    expect(carried).toMatchObject({ name: 'seed', hash: seed.hash, delay: 7, columns: featureNames(seed) });
    expect(JSON.parse(readFileSync(join(modelOut, 'features.json'), 'utf8'))).toEqual(featureNames(seed));
    // The parent run's params in the embedded file store.
    const params = readdirSync(mlruns, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name === 'feature_spec_hash');
    expect(params.length).toBe(1);
    expect(readFileSync(join(params[0].parentPath, 'feature_spec_hash'), 'utf8').trim()).toBe(seed.hash);
    expect(readFileSync(join(params[0].parentPath, 'feature_spec'), 'utf8').trim()).toBe('seed');
    // Only seed marts were built, under features/seed/.
    expect(existsSync(mart('seed', 'customer', '2025-02-12'))).toBe(true);
    expect(existsSync(mart('handbook', 'customer', '2025-02-12'))).toBe(false);
  });

  it("score follows the model's spec and builds its marts; another --features is refused (exit 2, naming both)", async () => {
    const r = await runCli(['score', ...base, '--model', modelOut, '--date', '2025-02-14', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ features: { spec: 'seed', hash: seed.hash, delay: 7 } });
    expect(existsSync(mart('seed', 'terminal', '2025-02-13'))).toBe(true);
    expect(existsSync(mart('handbook', 'terminal', '2025-02-13'))).toBe(false);
    const wrong = await runCli(['score', ...base, '--model', modelOut, '--date', '2025-02-14', '--features', 'handbook']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(new RegExp(`--features handbook@[0-9a-f]{12} is not the spec the model was trained on \\(seed@${seed.hash}\\)`));
  });

  it('marts of two specs side by side: building handbook marts leaves the seed marts byte for byte', async () => {
    const before = readFileSync(mart('seed', 'customer', '2025-02-13'));
    const r = await runCli(['marts', 'build', '--lake', lake, '--date', '2025-02-13', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ features: { spec: 'handbook' }, built: ['2025-02-13'] });
    expect(existsSync(mart('handbook', 'customer', '2025-02-13'))).toBe(true);
    expect(readFileSync(mart('seed', 'customer', '2025-02-13')).equals(before)).toBe(true);
  });

  it('score refuses marts of another delay (exit 3, naming both); daily builds the marts of the model spec', async () => {
    const b = await runCli(['marts', 'build', '--lake', lake, '--date', '2025-02-10', '--features', 'seed', '--delay', '3', '--overwrite']);
    expect(b.code, b.stderr).toBe(0);
    const r = await runCli(['score', ...base, '--model', modelOut, '--date', '2025-02-11']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`mart of 2025-02-10 .* was built with spec seed@${seed.hash}, delay 3; asked: spec seed@${seed.hash}, delay 7`));
    expect(r.stderr).toContain('--features seed --delay 7 --overwrite');
    for (const e of ['customer', 'terminal']) rmSync(join(lake, 'features', 'seed', e, 'date=2025-02-13'), { recursive: true });
    const d = await runCli(['daily', ...base, '--model', modelOut, '--date', '2025-02-14', '--json'], { env: { FRAUDCTL_CACHE_DIR: join(dir, 'cache') } });
    expect(d.code, d.stderr.split('\n').filter((l) => !l.includes('"level":30')).join('\n')).toBe(0);
    expect(d.json).toMatchObject({ marts: { day: '2025-02-13', spec: 'seed', delay: 7, skipped: false } });
    expect(existsSync(mart('seed', 'customer', '2025-02-13'))).toBe(true);
  }, 60_000);

  it('a spec file: built under features/<name>/; an invalid one is exit 2 listing every problem', async () => {
    const file = join(dir, 'mine.json');
    writeFileSync(file, JSON.stringify({ name: 'mine', marts: { customer: [{ name: 'cust_max_{n}d', kind: 'max', windows: [3, 10] }] }, features: ['tx_amount', { name: 'rel_max', expr: 'tx_amount / cust_max_10d' }] }));
    const ok = await runCli(['marts', 'build', '--lake', lake, '--date', '2025-02-13', '--features', file, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(existsSync(mart('mine', 'customer', '2025-02-13'))).toBe(true);
    expect(existsSync(join(lake, 'features', 'mine', 'terminal'))).toBe(false);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({
      name: 'Bad Name',
      marts: { customer: [{ name: 'c_share_{n}d', kind: 'fraud_share', windows: [7], lagged: false }, { name: 'c_q', kind: 'quantile', windows: [7] }], merchant: [] },
      features: ['tx_amount', { name: 'leak', expr: 'tx_fraud * 2' }, { name: 'broken', expr: 'tx_amount / (' }],
    }));
    const r = await runCli(['marts', 'build', '--lake', lake, '--date', '2025-02-13', '--features', bad]);
    expect(r.code).toBe(2);
    for (const part of ['name must be lower-case', 'always lagged (remove "lagged": false)', 'quantile needs "q"', 'unknown entity "merchant"', 'unknown column(s) tx_fraud', 'expression ends early']) expect(r.stderr).toContain(part);
    const missing = await runCli(['marts', 'build', '--lake', lake, '--date', '2025-02-13', '--features', 'nope']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('unknown feature preset "nope" (presets: handbook, seed, union');
  });
});
