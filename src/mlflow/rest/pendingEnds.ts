import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { hostname } from 'node:os';
import type { RunStatus, Tracker } from '../tracker.js';
import { pidAlive } from '../../util/pidAlive.js';
import { atomicWriteFileSync } from '../../util/atomicWrite.js';
import { withLockFile } from '../../util/lock.js';

/**
 * Run ends that could not reach the server (it was down after the retries). Kept in a small JSON
 * file in the cache directory and replayed by the next tracker that talks to the same server, so
 * that no run stays RUNNING forever once the server is back (mlflow #3932 and friends).
 */
export interface PendingEnd {
  server: string;
  /** The run to end; '' when only its invocation id is known (a create whose answer never came). */
  runId: string;
  invocation?: { id: string; experimentId: string };
  status: RunStatus;
  endTime: number;
}

/** Both journals' critical sections are one small read and write: a lock older than 2 s is a killed holder's. */
const LOCK_STALE_MS = 2_000;

/** A journal's entries (the array under `field`); none when it is absent or unreadable (it is only a hint for cleanup). */
function readList<T>(file: string, field: string): T[] {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    return Array.isArray(data[field]) ? (data[field] as T[]) : [];
  } catch {
    return [];
  }
}

/**
 * Read-modify-write of a journal under its lock file, so that two fraudctl processes creating or
 * ending runs at the same instant (a backtest beside a daily run) never drop each other's entries.
 * `change` returns its argument itself when nothing changes (no write then).
 */
async function updateList<T>(file: string, field: string, change: (list: T[]) => T[]): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  await withLockFile(
    `${file}.lock`,
    async () => {
      const list = readList<T>(file, field);
      const next = change(list);
      if (next !== list) atomicWriteFileSync(file, `${JSON.stringify({ [field]: next }, null, 1)}\n`);
    },
    { staleMs: LOCK_STALE_MS },
  );
}

const keyOf = (p: Pick<PendingEnd, 'runId' | 'invocation'>) => p.runId || `invocation:${p.invocation?.id ?? ''}`;

export class PendingEnds {
  constructor(readonly file: string) {}

  read(): PendingEnd[] {
    return readList<PendingEnd>(this.file, 'pending');
  }

  private update(change: (pending: PendingEnd[]) => PendingEnd[]): Promise<void> {
    return updateList(this.file, 'pending', change);
  }

  add(end: PendingEnd): Promise<void> {
    return this.update((all) => [...all.filter((p) => !(p.server === end.server && keyOf(p) === keyOf(end))), end]);
  }

  remove(server: string, entry: Pick<PendingEnd, 'runId' | 'invocation'>): Promise<void> {
    return this.update((all) => {
      const rest = all.filter((p) => !(p.server === server && keyOf(p) === keyOf(entry)));
      return rest.length === all.length ? all : rest;
    });
  }

  forServer(server: string): PendingEnd[] {
    return this.read().filter((p) => p.server === server);
  }
}

/** A run this host created and has not ended yet, with the pid that owns it. */
interface OpenRun {
  runId: string;
  pid: number;
  host: string;
}

/**
 * The journal of open runs of one tracking store (kept with the store, so that any working
 * directory sees it): a run is recorded when created and dropped when ended. A run whose owner was
 * killed with -9 (no handler runs) stays RUNNING in MLflow; the next fraudctl call against that
 * store finds its pid dead on this host and ends it FAILED.
 */
export function withRunJournal(tracker: Tracker, file: string): Tracker {
  return new Proxy(tracker, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'createRun') {
        return async (...args: Parameters<Tracker['createRun']>) => {
          const info = await target.createRun(...args);
          await updateList<OpenRun>(file, 'open', (open) => [...open, { runId: info.runId, pid: process.pid, host: hostname() }]);
          return info;
        };
      }
      if (prop === 'endRun') {
        return async (...args: Parameters<Tracker['endRun']>) => {
          await target.endRun(...args);
          await updateList<OpenRun>(file, 'open', (open) => (open.some((r) => r.runId === args[0]) ? open.filter((r) => r.runId !== args[0]) : open));
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Ends FAILED the runs of the journal whose owner process on this host is gone; returns their ids. */
export async function endOrphanRuns(tracker: Tracker, file: string, now = Date.now()): Promise<string[]> {
  const orphans = readList<OpenRun>(file, 'open').filter((r) => r.host === hostname() && !pidAlive(r.pid));
  const settled = new Set<string>();
  const ended: string[] = [];
  for (const r of orphans) {
    try {
      const run = await tracker.getRun(r.runId);
      if (run.info.status === 'RUNNING') {
        await tracker.endRun(r.runId, 'FAILED', now);
        ended.push(r.runId);
      }
    } catch {
      continue; // store unreachable: keep the entry, the next call tries again
    }
    settled.add(r.runId);
  }
  // Re-read under the lock: runs other processes recorded meanwhile stay.
  if (settled.size > 0) await updateList<OpenRun>(file, 'open', (open) => open.filter((o) => !settled.has(o.runId)));
  return ended;
}
