import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { hostname } from 'node:os';
import type { RunStatus, Tracker } from '../tracker.js';
import { pidAlive } from '../../util/pidAlive.js';
import { atomicWriteFileSync } from '../../util/atomicWrite.js';

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

const keyOf = (p: Pick<PendingEnd, 'runId' | 'invocation'>) => p.runId || `invocation:${p.invocation?.id ?? ''}`;

export class PendingEnds {
  constructor(readonly file: string) {}

  read(): PendingEnd[] {
    try {
      const data = JSON.parse(readFileSync(this.file, 'utf8')) as { pending?: PendingEnd[] };
      return Array.isArray(data.pending) ? data.pending : [];
    } catch {
      return [];
    }
  }

  private write(pending: PendingEnd[]): void {
    mkdirSync(dirname(this.file), { recursive: true });
    atomicWriteFileSync(this.file, `${JSON.stringify({ pending }, null, 1)}\n`);
  }

  add(end: PendingEnd): void {
    this.write([...this.read().filter((p) => !(p.server === end.server && keyOf(p) === keyOf(end))), end]);
  }

  remove(server: string, entry: Pick<PendingEnd, 'runId' | 'invocation'>): void {
    const all = this.read();
    const rest = all.filter((p) => !(p.server === server && keyOf(p) === keyOf(entry)));
    if (rest.length !== all.length) this.write(rest);
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
 * store finds its pid dead on this host and ends it FAILED. Read-modify-write with an atomic
 * rename: two writers at the same instant may drop an entry, which only delays that run's end.
 */
export function withRunJournal(tracker: Tracker, file: string): Tracker {
  const read = (): OpenRun[] => {
    try {
      const d = JSON.parse(readFileSync(file, 'utf8')) as { open?: OpenRun[] };
      return Array.isArray(d.open) ? d.open : [];
    } catch {
      return [];
    }
  };
  const write = (open: OpenRun[]) => {
    mkdirSync(dirname(file), { recursive: true });
    atomicWriteFileSync(file, `${JSON.stringify({ open }, null, 1)}\n`);
  };
  return new Proxy(tracker, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'createRun') {
        return async (...args: Parameters<Tracker['createRun']>) => {
          const info = await target.createRun(...args);
          write([...read(), { runId: info.runId, pid: process.pid, host: hostname() }]);
          return info;
        };
      }
      if (prop === 'endRun') {
        return async (...args: Parameters<Tracker['endRun']>) => {
          await target.endRun(...args);
          const open = read();
          if (open.some((r) => r.runId === args[0])) write(open.filter((r) => r.runId !== args[0]));
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Ends FAILED the runs of the journal whose owner process on this host is gone; returns their ids. */
export async function endOrphanRuns(tracker: Tracker, file: string, now = Date.now()): Promise<string[]> {
  let open: OpenRun[];
  try {
    open = (JSON.parse(readFileSync(file, 'utf8')) as { open?: OpenRun[] }).open ?? [];
  } catch {
    return [];
  }
  const orphans = open.filter((r) => r.host === hostname() && !pidAlive(r.pid));
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
    open = open.filter((o) => o.runId !== r.runId);
  }
  if (orphans.length > 0) {
    mkdirSync(dirname(file), { recursive: true });
    atomicWriteFileSync(file, `${JSON.stringify({ open }, null, 1)}\n`);
  }
  return ended;
}
