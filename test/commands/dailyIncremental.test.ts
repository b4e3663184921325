import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

// `daily` on a lake with complete history (41 simulated days: the marts of D-1 need 37) and the
// window state of D-2: it must carry that state forward (the incremental builder), give the full
// builder's bytes, and remove the states no later day can read (retention).
const root = mkdtempSync(join(tmpdir(), 'fraudctl-daily-inc-'));
const lake = join(root, 'lake');
const env = { MLFLOW_TRACKING_URI: join(root, 'mlruns') };
const cli = (args: string[]) => runCli([...args, '--lake', lake], { cwd: root, env });
const states = (entity: string) => readdirSync(join(lake, 'features', entity, '_state')).filter((d) => d.startsWith('date=')).map((d) => d.slice(5)).sort();
const sha = (entity: string, day: string) => createHash('sha256').update(readFileSync(join(lake, 'features', entity, `date=${day}`, 'data.parquet'))).digest('hex');

beforeAll(async () => {
  const sim = await cli(['simulate', '--start', '2025-01-01', '--days', '41', '--customers', '150', '--terminals', '60', '--seed', '5']);
  expect(sim.code, sim.stderr).toBe(0);
  const train = await cli(['train', '--days', '2', '--gap', '1', '--max-evals', '1', '--trees', '5:5', '--depth', '3:3', '--bootstrap', '0', '--allow-partial-history', '--test-day', '2025-01-08', '--register', 'm']);
  expect(train.code, train.stderr).toBe(0);
  // An old state (partial history) that the terminal windows of 02-09 still reach … until daily builds 02-09.
  expect((await cli(['marts', 'build', '--date', '2025-01-03', '--allow-partial-history'])).code).toBe(0);
  // The state of D-2 = 2025-02-08, built in full (no state of 02-07).
  const d2 = await cli(['marts', 'build', '--date', '2025-02-08', '--json']);
  expect([d2.code, d2.json?.builder]).toEqual([0, 'full']);
}, 180_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('daily with complete history', () => {
  it('builds the marts of D-1 incrementally from the state of D-2, with the full builder bytes, and prunes old states', async () => {
    // After the build of 02-08 the terminal states kept start at 02-09 - 36 = 01-03 (handbook: lagged 30-day windows, delay 7).
    expect(states('terminal')[0]).toBe('2025-01-03');
    expect(states('customer')[0] >= '2025-01-10').toBe(true);
    const daily = await cli(['daily', '--date', '2025-02-10', '--model', 'models:/m/1', '--json']);
    expect(daily.code, daily.stderr).toBe(0);
    const marts = daily.json?.marts as Record<string, unknown>;
    expect({ day: marts.day, builder: marts.builder }).toEqual({ day: '2025-02-09', builder: 'incremental' });
    // Days leaving the windows without a state of their own come from their transactions (02-09 - 7 = 02-02, 02-09 - 30 = 01-10).
    expect(marts.reason).toMatch(/^customer: window state of 2025-02-08 carried forward; day partials of 2025-01-10, 2025-02-02 from their transactions .*; terminal: window state of 2025-02-08 carried forward/);
    // Retention after 02-09: terminal states from 02-10 - 7 - 30 = 01-04, customer states from 02-10 - 30 = 01-11.
    expect(marts.prunedStates).toMatchObject({ terminal: ['2025-01-03'] });
    expect(states('terminal')[0] >= '2025-01-04').toBe(true);
    expect(states('customer')[0] >= '2025-01-11').toBe(true);
    expect(states('customer')).toContain('2025-02-09');
    const incremental = [sha('customer', '2025-02-09'), sha('terminal', '2025-02-09')];
    const full = await cli(['marts', 'build', '--date', '2025-02-09', '--overwrite', '--full', '--json']);
    expect([full.code, full.json?.builder]).toEqual([0, 'full']);
    expect([sha('customer', '2025-02-09'), sha('terminal', '2025-02-09')]).toEqual(incremental);
  }, 120_000);
});
