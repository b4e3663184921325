import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RunStatus } from '../tracker.js';
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
