import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { FileStore } from '../../src/mlflow/fileStore.js';
import { runCli } from '../helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'fraudctl-killedruns-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const openTracker = fileURLToPath(new URL('../../dist/mlflow/openTracker.js', import.meta.url));
const log = fileURLToPath(new URL('../../dist/log.js', import.meta.url));

describe('kill -9 while a run is open (as during train)', () => {
  it('the next fraudctl call against that store, from another directory, ends the run FAILED', async () => {
    const store = join(root, 'mlruns');
    const jobDir = join(root, 'job');
    mkdirSync(jobDir);
    // A process that opens a run the way train does, then dies by SIGKILL: no handler can end it.
    const script = `
      const { openTracker } = await import(${JSON.stringify(openTracker)});
      const { createLogger } = await import(${JSON.stringify(log)});
      const t = await openTracker({ trackingUri: ${JSON.stringify(store)} }, createLogger({ level: 'silent', stream: process.stderr }), ${JSON.stringify(jobDir)});
      const exp = await t.getOrCreateExperiment('fraudctl');
      const run = await t.createRun({ experimentId: exp, runName: 'search', startTime: Date.now(), tags: {} });
      process.stdout.write(run.runId);
      process.kill(process.pid, 'SIGKILL');
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.signal).toBe('SIGKILL');
    const runId = child.stdout;
    const fs = await FileStore.open(store, { log: createLogger({ level: 'silent', stream: process.stderr }) });
    expect((await fs.getRun(runId)).info.status).toBe('RUNNING');

    const other = join(root, 'elsewhere');
    mkdirSync(other);
    const r = await runCli(['mlflow', 'runs', '--tracking-uri', store], { cwd: other });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('FAILED');
    const ended = await fs.getRun(runId);
    expect(ended.info.status).toBe('FAILED');
    // A second call has nothing left to end.
    const again = await runCli(['mlflow', 'runs', '--tracking-uri', store], { cwd: other });
    expect(again.stderr).not.toContain('ended');
  }, 60_000);
});
