import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Files appear complete or not at all: each writer produces a temporary sibling and renames it over
 * the target (rename is atomic within one file system). Temporary names are dot-prefixed, so
 * readers of a directory skip them, and carry the writer's pid, so leftovers of dead writers can be
 * told apart (`.NAME.PID.HEX.tmp`).
 */
export function tempPathFor(path: string, tmpDir = dirname(path)): string {
  return join(tmpDir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Runs `produce(tmp)`, then renames tmp to `path`; on any failure the temporary (file or directory)
 * is removed and the previous `path`, if any, is untouched. `tmpDir` must be on the same file system.
 */
export async function atomicWrite(path: string, produce: (tmp: string) => Promise<void>, tmpDir?: string): Promise<void> {
  const tmp = tempPathFor(path, tmpDir);
  try {
    await produce(tmp);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

export function atomicWriteFile(path: string, data: string | Buffer, tmpDir?: string): Promise<void> {
  return atomicWrite(path, (tmp) => writeFile(tmp, data), tmpDir);
}

/** The synchronous form, for state written from exit handlers. */
export function atomicWriteFileSync(path: string, data: string | Buffer): void {
  const tmp = tempPathFor(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
