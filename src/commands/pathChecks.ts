import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Checks of output paths made before any work starts, so a long search or an overwritten partition
 * is never followed by "cannot write there". Each returns the problem in words, or undefined.
 */

/** The nearest existing ancestor of `path` must be a writable directory (missing directories get created). */
function writableAncestor(path: string): string | undefined {
  let dir = dirname(resolve(path));
  for (;;) {
    try {
      const st = statSync(dir);
      if (!st.isDirectory()) return `${dir} is a file, not a directory`;
      accessSync(dir, constants.W_OK);
      return undefined;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') return `${dir} is not writable`;
      if (code !== 'ENOENT') return `${dir}: ${(e as Error).message}`;
      const up = dirname(dir);
      if (up === dir) return `no directory of ${path} exists`;
      dir = up;
    }
  }
}

/** A directory to create or fill (train --out): not an existing file, under a writable directory. */
export function checkDirTarget(path: string): string | undefined {
  try {
    if (!statSync(path).isDirectory()) return `${path} is a file; give a directory`;
    accessSync(path, constants.W_OK);
    return undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return `${path} is not writable`;
  }
  return writableAncestor(path);
}

/** A file to write (score --out): its directory must exist and be writable; an existing target must be a file. */
export function checkFileTarget(path: string): string | undefined {
  const dir = dirname(resolve(path));
  try {
    if (!statSync(dir).isDirectory()) return `${dir} is not a directory`;
  } catch {
    return `the directory ${dir} does not exist; create it first`;
  }
  try {
    if (statSync(path).isDirectory()) return `${path} is a directory; give a file name`;
  } catch {
    /* absent: fine */
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    return `${dir} is not writable`;
  }
  return undefined;
}
