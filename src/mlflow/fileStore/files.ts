import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExitCode, FraudctlError } from '../../errors.js';
import { parsePyYaml, toPyYaml } from './pyFormat.js';
import { atomicWriteFile } from '../../util/atomicWrite.js';

/**
 * File primitives of the embedded store. Writers replace files by rename, so a reader (fraudctl or
 * `mlflow ui`) never sees half a meta.yaml. Temporary files go to `tmpDir`, a record directory
 * (run, experiment, model, version) where MLflow's readers look only at meta.yaml and named
 * subfolders, never inside tags/ or params/, where MLflow would take them for a key.
 */

export const errCode = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

export function tmpPath(dir: string): string {
  return join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
}

export async function writeFileAtomic(path: string, data: string | Buffer, tmpDir = dirname(path)): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await atomicWriteFile(path, data, tmpDir);
}

/** Writes `path` only when absent (link() never replaces); false when it already existed. */
export async function createFileOnce(path: string, data: string, tmpDir = dirname(path)): Promise<boolean> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tmpPath(tmpDir);
  await writeFile(tmp, data);
  try {
    await link(tmp, path);
    return true;
  } catch (e) {
    if (errCode(e) === 'EEXIST') return false;
    throw e;
  } finally {
    await rm(tmp, { force: true });
  }
}

/** The file's text, or undefined when it does not exist. */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR') return undefined;
    throw e;
  }
}

export async function readYamlIfExists(path: string): Promise<Record<string, unknown> | undefined> {
  const text = await readTextIfExists(path);
  if (text === undefined) return undefined;
  const data = parsePyYaml(text);
  // An empty file is what a crashed (non-atomic) writer leaves: MLflow treats it as not there.
  if (data === null || data === undefined) return undefined;
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new FraudctlError(`${path} is not a YAML mapping; the MLflow store is damaged`, ExitCode.Data);
  }
  return data as Record<string, unknown>;
}

export async function writeYamlAtomic(path: string, data: Record<string, unknown>, tmpDir = dirname(path)): Promise<void> {
  await writeFileAtomic(path, toPyYaml(data), tmpDir);
}

/** Subdirectories of `dir`, without dot-directories (.trash, our temporaries); [] when absent. */
export async function listDirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  } catch (e) {
    if (errCode(e) === 'ENOENT') return [];
    throw e;
  }
}

/** Files below `dir` as '/'-joined relative paths: a key `a/b` is the file `a/b`. */
export async function listKeyFiles(dir: string, prefix = ''): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if (errCode(e) === 'ENOENT') return [];
    throw e;
  }
  const out: string[] = [];
  for (const e of entries) {
    if (e.isDirectory()) out.push(...(await listKeyFiles(join(dir, e.name), `${prefix}${e.name}/`)));
    else if (e.isFile()) out.push(`${prefix}${e.name}`);
  }
  return out.sort();
}

/** key → value for every key file below `dir` (tags, params, aliases). */
export async function readKeyValues(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of await listKeyFiles(dir)) out[key] = await readFile(join(dir, ...key.split('/')), 'utf8');
  return out;
}

export const keyPath = (dir: string, key: string): string => join(dir, ...key.split('/'));

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
      if (errCode(e) !== 'EEXIST') throw e;
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
