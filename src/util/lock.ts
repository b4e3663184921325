import { mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
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
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'EEXIST') {
        // Created but not written (a full disk): an empty lock would block every later run.
        await rm(path, { force: true }).catch(() => undefined);
        err.path ??= path; // a failed write(2) names no path; the message must
        throw err;
      }
    }
    let owner: Owner | undefined;
    try {
      owner = JSON.parse(await readFile(path, 'utf8')) as Owner;
    } catch {
      owner = undefined; // being written right now, or garbage: treat a garbage lock as stale below
    }
    // An empty or garbage lock that stayed so for seconds is no writer's: one that died (or hit
    // a full disk) between creating and writing it.
    if (!owner && Date.now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? Date.now()) > 5000) {
      log?.warn({ lock: path }, 'removing an unreadable lock file left by a failed writer');
      await rm(path, { force: true });
      continue;
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

/**
 * A lock file held while `fn` runs (created with O_EXCL). A lock older than `staleMs` is taken to
 * be left by a crashed process and removed. Waiting longer than `timeoutMs` is exit 4.
 */
export async function withLockFile<T>(lockPath: string, fn: () => Promise<T>, opts: { staleMs?: number; timeoutMs?: number } = {}): Promise<T> {
  const staleMs = opts.staleMs ?? 30_000;
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    try {
      const fh = await open(lockPath, 'wx');
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const st = await stat(lockPath).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > staleMs) {
        await rm(lockPath, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new FraudctlError(`timed out waiting for the lock ${lockPath}`, ExitCode.Unavailable, { hint: 'another fraudctl holds it; remove the file if none is running' });
      }
      await sleep(10 + Math.floor(Math.random() * 40));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}
