import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { endOrphanRuns, withRunJournal } from '../../src/mlflow/rest/pendingEnds.js';
import type { Run, RunStatus, Tracker } from '../../src/mlflow/tracker.js';

const openRuns = (file: string): { runId: string; pid: number }[] => (JSON.parse(readFileSync(file, 'utf8')) as { open: { runId: string; pid: number }[] }).open;

/** A tracker that only creates, ends and reads runs, in memory. */
function memoryTracker(prefix: string, onGetRun?: () => Promise<void>): Tracker & { ended: [string, RunStatus][] } {
  let n = 0;
  const ended: [string, RunStatus][] = [];
  const t = {
    ended,
    createRun: async () => ({ runId: `${prefix}-${n++}`, experimentId: '0', runName: 'r', status: 'RUNNING' as const, startTime: 0, artifactUri: '' }),
    endRun: async (runId: string, status: RunStatus) => void ended.push([runId, status]),
    getRun: async (runId: string): Promise<Run> => {
      await onGetRun?.();
      return { info: { runId, experimentId: '0', runName: 'r', status: 'RUNNING', startTime: 0, artifactUri: '' }, data: { metrics: {}, params: {}, tags: {} } };
    },
  };
  return t as unknown as Tracker & { ended: [string, RunStatus][] };
}

const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid!;

describe('the journal of open runs', () => {
  it('keeps every run of processes that create runs at the same time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fraudctl-journal-'));
    const file = join(dir, 'open-runs.json');
    const module = pathToFileURL(join(process.cwd(), 'dist/mlflow/rest/pendingEnds.js')).href;
    // Each child records 25 runs as fast as it can; 4 children race on the one file.
    const child = `const { withRunJournal } = await import(${JSON.stringify(module)});
      let n = 0;
      const t = withRunJournal({ createRun: async () => ({ runId: process.argv[1] + '-' + n++ }) }, ${JSON.stringify(file)});
      for (let i = 0; i < 25; i++) await t.createRun({});`;
    const codes = await Promise.all(
      ['a', 'b', 'c', 'd'].map(
        (name) => new Promise<number | null>((resolve) => spawn(process.execPath, ['--input-type=module', '-e', child, name], { stdio: 'inherit' }).on('exit', resolve)),
      ),
    );
    expect(codes).toEqual([0, 0, 0, 0]);
    const ids = openRuns(file).map((r) => r.runId);
    expect(ids).toHaveLength(100);
    expect(new Set(ids).size).toBe(100);
  }, 60_000);

  it('ends a dead owner’s run FAILED and keeps a run recorded while it does so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fraudctl-journal-'));
    const file = join(dir, 'open-runs.json');
    const dead = deadPid();
    writeFileSync(file, JSON.stringify({ open: [{ runId: 'orphan', pid: dead, host: hostname() }, { runId: 'mine', pid: process.pid, host: hostname() }] }));
    // Another process records a run between the journal's first read and its rewrite.
    const other = withRunJournal(memoryTracker('other'), file);
    const tracker = memoryTracker('x', async () => void (await other.createRun({ experimentId: '0', runName: 'r', startTime: 0, tags: {} })));
    expect(await endOrphanRuns(tracker, file, 123)).toEqual(['orphan']);
    expect(tracker.ended).toEqual([['orphan', 'FAILED']]);
    expect(openRuns(file).map((r) => r.runId)).toEqual(['mine', 'other-0']);
  });

  it('drops a run from the journal when it ends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fraudctl-journal-'));
    const file = join(dir, 'open-runs.json');
    const t = withRunJournal(memoryTracker('r'), file);
    const a = await t.createRun({ experimentId: '0', runName: 'a', startTime: 0, tags: {} });
    await t.createRun({ experimentId: '0', runName: 'b', startTime: 0, tags: {} });
    await t.endRun(a.runId, 'FINISHED', 1);
    expect(openRuns(file).map((r) => [r.runId, r.pid])).toEqual([['r-1', process.pid]]);
  });
});
