import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

// Issue 9: ingest → marts → train → score works on an ingested lake (a simulated raw dump with every
// defect kind injected; its tx_time_seconds count from its own start day).
describe('ingest feeds the pipeline', () => {
  it('a raw dump with defects, ingested, then marts, train and score run on it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fraudctl-ingest-pipeline-'));
    const dump = join(dir, 'dump.txt');
    const lake = join(dir, 'lake');
    const sim = await runCli(['simulate', '--format', 'raw', '--out', dump, '--start', '2025-01-01', '--days', '45', '--customers', '400', '--terminals', '800', '--seed', '6', '--inject-defects', '--defects-per-kind', '10', '--json']);
    expect(sim.code, sim.stderr).toBe(0);
    const ing = await runCli(['ingest', dump, '--lake', lake, '--time-origin', '2025-01-01', '--json']);
    expect(ing.code, ing.stderr).toBe(0);

    const ls = await runCli(['lake', 'ls', '--lake', lake, '--dataset', 'transactions', '--json']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(JSON.stringify(ls.json)).toContain('2025-02-14');

    const mlruns = join(dir, 'mlruns');
    const tr = await runCli(['train', '--lake', lake, '--tracking-uri', mlruns, '--days', '3', '--gap', '1', '--test-day', '2025-02-13', '--max-evals', '2', '--trees', '5:10', '--depth', '3:5', '--threads', '1', '--json']);
    expect(tr.code, tr.stderr).toBe(0);
    expect((tr.json!.best as { metrics: { roc_auc: number } }).metrics.roc_auc).toBeGreaterThan(0.5);
    const sc = await runCli(['score', '--lake', lake, '--tracking-uri', mlruns, '--date', '2025-02-14', '--json']);
    expect(sc.code, sc.stderr).toBe(0);
    expect(sc.json!.transactions).toBeGreaterThan(0);
  }, 180_000);
});
