import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { ExitCode, FraudctlError } from '../errors.js';
import { pidAlive } from './pidAlive.js';

export interface Lock {
  path: string;
  release(): Promise<void>;
}

interface Owner {
  pid: number;
  host: string;
  started: string;
  what: string;
}

/**
 * An exclusive lock file (created with O_EXCL) holding its owner's pid. A second holder is refused
 * with exit 4 (busy: retry later) naming the owner; a lock whose owner process is dead (same host) is taken over.
 * The kernel does not release it on kill -9, hence the liveness check.
 */
export async function acquireLock(path: string, what: string, log?: { warn: (o: object, m: string) => void }): Promise<Lock> {
  await mkdir(dirname(path), { recursive: true });
  const me: Owner = { pid: process.pid, host: hostname(), started: new Date().toISOString(), what };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(path, JSON.stringify(me), { flag: 'wx' });
      let released = false;
      return {
        path,
        async release() {
          if (released) return;
          released = true;
          await rm(path, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner: Owner | undefined;
    try {
      owner = JSON.parse(await readFile(path, 'utf8')) as Owner;
    } catch {
      owner = undefined; // being written right now, or garbage: treat a garbage lock as stale below
    }
    if (owner && owner.host === hostname() && !pidAlive(owner.pid)) {
      log?.warn({ lock: path, deadPid: owner.pid }, 'taking over a lock left by a dead process');
      await rm(path, { force: true });
      continue;
    }
    if (owner) {
      throw new FraudctlError(`${what} is already running (pid ${owner.pid} on ${owner.host} since ${owner.started}); lock ${path}`, ExitCode.Unavailable, {
        hint: 'wait for it to finish; a lock of a dead process is taken over automatically',
      });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new FraudctlError(`could not take the lock ${path}`, ExitCode.Data);
}
