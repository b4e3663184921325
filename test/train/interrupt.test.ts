import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

// The real binary (dist/, built by `npm test`), stopped by SIGTERM / SIGINT in the middle of a search.
const bin = fileURLToPath(new URL('../../bin/fraudctl', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'fraudctl-interrupt-'));
const lake = join(dir, 'lake');

beforeAll(async () => {
  const r = await runCli(['simulate', '--start', '2025-01-01', '--days', '12', '--customers', '500', '--terminals', '1000', '--seed', '2', '--lake', lake]);
  expect(r.code, r.stderr).toBe(0);
}, 60_000);

function statuses(mlruns: string): number[] {
  const out: number[] = [];
  for (const exp of readdirSync(mlruns)) {
    const expDir = join(mlruns, exp);
    if (exp === '0' || exp === 'models' || exp.startsWith('.') || !existsSync(join(expDir, 'meta.yaml'))) continue;
    for (const run of readdirSync(expDir)) {
      const meta = join(expDir, run, 'meta.yaml');
      if (existsSync(meta)) out.push(Number(/^status: (\d+)/m.exec(readFileSync(meta, 'utf8'))![1]));
    }
  }
  return out;
}

async function interrupt(signal: 'SIGTERM' | 'SIGINT') {
  const mlruns = join(dir, `mlruns-${signal}`);
  const child = spawn(process.execPath, [bin, 'train', '--lake', lake, '--tracking-uri', mlruns, '--days', '2', '--gap', '1', '--test-day', '2025-01-12', '--allow-partial-history', '--max-evals', '200', '--trees', '50:60', '--depth', '8:10', '--threads', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    if (stderr.includes('trial done') && !child.killed) child.kill(signal);
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { code, stderr, statuses: statuses(mlruns) };
}

describe('interrupted training', () => {
  it('SIGTERM (Airflow kill): exit 143, every run it opened ends KILLED, none left RUNNING', async () => {
    const r = await interrupt('SIGTERM');
    expect(r.code, r.stderr).toBe(143);
    expect(r.statuses.length).toBeGreaterThanOrEqual(2); // the parent and at least one trial
    expect(r.statuses).not.toContain(1); // RUNNING
    expect(r.statuses.filter((s) => s === 5).length).toBeGreaterThanOrEqual(2); // KILLED: parent + the trial in flight
    expect(r.stderr).toContain('interrupted by SIGTERM');
  }, 120_000);

  it('SIGINT (Ctrl-C): exit 130', async () => {
    const r = await interrupt('SIGINT');
    expect(r.code, r.stderr).toBe(130);
    expect(r.statuses).not.toContain(1);
  }, 120_000);
});
