import { randomBytes } from 'node:crypto';
import { link, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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

