import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fraudctl-backtest-'));
const lake = join(dir, 'lake');
const fast = ['--days', '2', '--gap', '1', '--trees', '10', '--depth', '5', '--bootstrap', '0', '--threads', '1', '--k', '20'];

beforeAll(async () => {
  const r = await runCli(['simulate', '--start', '2025-01-01', '--days', '45', '--customers', '400', '--terminals', '800', '--seed', '7', '--lake', lake]);
  expect(r.code, r.stderr).toBe(0);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Day = { day: string; step: number; trainFrom: string; trainTo: string; runId: string; rows: number; droppedRows: number; roc_auc: number | null; pr_auc: number | null; card_precision_at_k: number | null };

describe('fraudctl backtest', () => {
  it('trains one model per step on the window before it, one child run per step, one object per day', async () => {
    const mlruns = join(dir, 'mlruns');
    const r = await runCli(['backtest', '--lake', lake, '--tracking-uri', mlruns, '--from', '2025-02-12', '--to', '2025-02-14', '--step', '2', ...fast, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = r.json!;
    const days = s.days as Day[];
    expect(days.map((d) => d.day)).toEqual(['2025-02-12', '2025-02-13', '2025-02-14']);
    // step 0 tests the 12th and 13th with a model of the 9th–10th (gap 1); step 1 tests the 14th with the 11th–12th.
    expect(days.map((d) => [d.step, d.trainFrom, d.trainTo])).toEqual([
      [0, '2025-02-09', '2025-02-10'],
      [0, '2025-02-09', '2025-02-10'],
      [1, '2025-02-11', '2025-02-12'],
    ]);
    expect(days[0].runId).toBe(days[1].runId);
    expect(days[2].runId).not.toBe(days[0].runId);
    const mean = s.mean as { roc_auc: number };
    expect(mean.roc_auc).toBeCloseTo(days.reduce((a, d) => a + d.roc_auc!, 0) / 3, 12);
    // MLflow: the parent and one child per step, each child naming the parent.
    const expDir = join(mlruns, String(s.experimentId));
    const runIds = readdirSync(expDir).filter((f) => existsSync(join(expDir, f, 'meta.yaml')));
    const parentOf = (id: string) => (existsSync(join(expDir, id, 'tags', 'mlflow.parentRunId')) ? readFileSync(join(expDir, id, 'tags', 'mlflow.parentRunId'), 'utf8') : undefined);
    expect(runIds.filter((id) => parentOf(id) === s.parentRunId).sort()).toEqual([days[0].runId, days[2].runId].sort());
    expect(readFileSync(join(expDir, days[2].runId, 'params', 'train_days'), 'utf8')).toBe('2025-02-11,2025-02-12');
    // The per-day chart on the parent run: a PNG, and an SVG that plots one point per day and metric.
    expect(s.artifacts).toEqual(['backtest.png', 'backtest.svg']);
    expect(readFileSync(join(expDir, String(s.parentRunId), 'artifacts', 'backtest.png')).subarray(1, 4).toString('latin1')).toBe('PNG');
    const svg = readFileSync(join(expDir, String(s.parentRunId), 'artifacts', 'backtest.svg'), 'utf8');
    expect(svg).toMatch(/^<svg[^]*Backtest: metrics per test day/);
    // 3 days × 3 metrics, each point labelled with its metric (k of the run) and the day's value.
    expect(svg.match(/aria-roledescription="point"/g)).toHaveLength(9);
    expect(svg).toContain(`metric: card_precision_at_${s.k}`);
    const plotted = Number(/Test day: Feb 12, 2025; Value: ([0-9.]+); metric: roc_auc/.exec(svg)![1]);
    expect(plotted).toBeCloseTo(days[0].roc_auc!, 9);

    // Keeping the known-compromised cards evaluates exactly the rows that were dropped as well.
    const kept = await runCli(['backtest', '--lake', lake, '--tracking-uri', mlruns, '--from', '2025-02-12', '--to', '2025-02-14', '--step', '2', ...fast, '--keep-known-compromised', '--json']);
    expect(kept.code, kept.stderr).toBe(0);
    const keptDays = kept.json!.days as Day[];
    keptDays.forEach((d, i) => {
      expect(d.droppedRows).toBe(0);
      expect(d.rows).toBe(days[i].rows + days[i].droppedRows);
    });
    // The human table.
    const human = await runCli(['backtest', '--lake', lake, '--tracking-uri', mlruns, '--from', '2025-02-14', '--to', '2025-02-14', ...fast]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/2025-02-14\s+2025-02-11 … 2025-02-12/);
    expect(human.stdout).toContain('card_p@20');
  }, 240_000);

  it('bad ranges: --to before --from is a usage error (2), days missing from the lake a data error (3)', async () => {
    const mlruns = join(dir, 'mlruns-bad');
    expect((await runCli(['backtest', '--lake', lake, '--tracking-uri', mlruns, '--from', '2025-02-14', '--to', '2025-02-12', ...fast])).code).toBe(2);
    const late = await runCli(['backtest', '--lake', lake, '--tracking-uri', mlruns, '--from', '2025-02-14', '--to', '2025-02-16', ...fast]);
    expect(late.code).toBe(3);
    expect(late.stderr).toMatch(/2025-02-15/);
    // An unknown --features preset is refused before any work: no tracking store is created.
    const spec = await runCli(['backtest', '--lake', lake, '--tracking-uri', join(dir, 'mlruns-spec'), '--from', '2025-02-14', '--to', '2025-02-14', ...fast, '--features', 'no-such-preset']);
    expect(spec.code).toBe(2);
    expect(spec.stderr).toContain('no-such-preset');
    expect(existsSync(join(dir, 'mlruns-spec'))).toBe(false);
  }, 60_000);
});
