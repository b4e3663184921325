import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode, FraudctlError, dataError, usageError } from '../errors.js';
import type { ModelVersion, Tracker } from './tracker.js';

export interface ResolvedModel {
  /** Local directory holding the MLmodel file. */
  dir: string;
  /** The canonical URI: models:/NAME/VERSION, runs:/RUN_ID/PATH, or the local path. */
  modelUri: string;
  modelVersion?: string;
  runId?: string;
}

type Parsed = { kind: 'alias'; name: string; alias: string } | { kind: 'version'; name: string; version: string } | { kind: 'run'; runId: string; path: string } | { kind: 'local'; path: string };

/** models:/NAME@ALIAS, models:/NAME/VERSION, runs:/RUN_ID/PATH, file:///dir, or a directory. */
export function parseModelUri(uri: string): Parsed {
  if (uri.startsWith('models:')) {
    const rest = uri.replace(/^models:\/*/, '');
    const at = /^([^@/]+)@([\w-]+)$/.exec(rest);
    if (at) return { kind: 'alias', name: at[1], alias: at[2] };
    const v = /^([^@/]+)\/(\d+)$/.exec(rest);
    if (v) return { kind: 'version', name: v[1], version: v[2] };
    throw usageError(`model URI '${uri}' is not models:/NAME@ALIAS or models:/NAME/VERSION`, 'e.g. models:/fraud-detector@champion or models:/fraud-detector/3');
  }
  if (uri.startsWith('runs:')) {
    const m = /^runs:\/+([^/]+)\/(.+?)\/*$/.exec(uri);
    if (!m) throw usageError(`model URI '${uri}' is not runs:/RUN_ID/PATH`, 'e.g. runs:/0a1b2c…/model');
    return { kind: 'run', runId: m[1], path: m[2] };
  }
  if (uri.startsWith('file:')) return { kind: 'local', path: fileURLToPath(uri) };
  if (/^[a-z][a-z0-9+.-]+:/i.test(uri)) throw usageError(`model URI scheme not supported: ${uri}`, 'use models:/NAME@ALIAS, models:/NAME/VERSION, runs:/RUN_ID/model or a local directory');
  return { kind: 'local', path: uri };
}

/**
 * Finds a model and makes it local. Registry versions and run artifacts are downloaded through the
 * tracker (same schemes as logging) into `<cacheDir>/models/…`, keyed by tracking URI and version:
 * a version's files never change, so a second resolve downloads nothing (an alias is still looked
 * up each time, because it moves).
 */
export async function resolveModel(uri: string, tracker: Tracker, cacheDir: string): Promise<ResolvedModel> {
  const p = parseModelUri(uri);
  if (p.kind === 'local') {
    const dir = resolve(p.path);
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw dataError(`--model ${dir} is a file, not a model directory`, 'pass the directory that holds MLmodel (e.g. the --out directory of train), not a file inside it');
    if (!existsSync(dir)) throw dataError(`model directory ${dir} does not exist`);
    if (!existsSync(join(dir, 'MLmodel'))) throw dataError(`${dir} is not a model directory (no MLmodel file)`);
    return { dir, modelUri: uri };
  }
  if (p.kind === 'run') {
    const dir = await cached(join(cacheDir, 'models', serverKey(tracker), 'runs', p.runId, ...p.path.split('/')), (tmp) => tracker.downloadArtifacts(p.runId, p.path, tmp), uri);
    return { dir, modelUri: `runs:/${p.runId}/${p.path}`, runId: p.runId };
  }
  const mv = p.kind === 'alias' ? await byAlias(tracker, p.name, p.alias) : await byVersion(tracker, p.name, p.version);
  const runPath = await artifactPathInRun(tracker, mv);
  const dir = await cached(join(cacheDir, 'models', serverKey(tracker), 'registry', safeName(mv.name), mv.version), (tmp) => tracker.downloadArtifacts(mv.runId!, runPath, tmp), uri);
  return { dir, modelUri: `models:/${mv.name}/${mv.version}`, modelVersion: mv.version, runId: mv.runId };
}

async function byAlias(tracker: Tracker, name: string, alias: string): Promise<ModelVersion> {
  const mv = await tracker.getModelVersionByAlias(name, alias);
  if (mv) return mv;
  const versions = await tracker.listModelVersions(name);
  if (versions.length === 0) throw dataError(`no registered model '${name}' in ${tracker.uri}`, 'train one first (fraudctl train … --promote), or check --experiment / MLFLOW_TRACKING_URI');
  const aliases = [...new Set(versions.flatMap((v) => v.aliases))].sort();
  throw dataError(
    `registered model '${name}' has no alias '${alias}' (aliases: ${aliases.length ? aliases.join(', ') : 'none'}; versions: ${versions.map((v) => v.version).join(', ')})`,
    `promote a version: fraudctl mlflow promote ${name} VERSION --alias ${alias}`,
  );
}

async function byVersion(tracker: Tracker, name: string, version: string): Promise<ModelVersion> {
  try {
    return await tracker.getModelVersion(name, version);
  } catch (e) {
    if (!(e instanceof FraudctlError && e.exitCode === ExitCode.Data)) throw e;
    const versions = await tracker.listModelVersions(name);
    if (versions.length === 0) throw dataError(`no registered model '${name}' in ${tracker.uri}`);
    throw dataError(`registered model '${name}' has no version ${version} (versions: ${versions.map((v) => v.version).join(', ')})`);
  }
}

/** The version's source as a path inside its run: `<artifact_uri>/model` or `runs:/<id>/model` → 'model'. */
async function artifactPathInRun(tracker: Tracker, mv: ModelVersion): Promise<string> {
  const fromRunsUri = /^runs:\/+([^/]+)\/(.+?)\/*$/.exec(mv.source);
  if (fromRunsUri && (!mv.runId || mv.runId === fromRunsUri[1])) {
    mv.runId = fromRunsUri[1];
    return fromRunsUri[2];
  }
  if (!mv.runId) throw dataError(`model '${mv.name}' version ${mv.version} has no run id; fraudctl loads only models logged to a run (source: ${mv.source})`);
  const root = (await tracker.getRun(mv.runId)).info.artifactUri.replace(/\/+$/, '');
  if (mv.source.startsWith(`${root}/`)) return mv.source.slice(root.length + 1).replace(/\/+$/, '');
  throw dataError(`model '${mv.name}' version ${mv.version}: source ${mv.source} is not inside its run's artifacts (${root})`);
}

/** Downloads into a temporary sibling and renames, so a half-finished download is never taken as cached. */
async function cached(dir: string, download: (tmp: string) => Promise<string>, uri: string): Promise<string> {
  if (existsSync(join(dir, 'MLmodel'))) return dir;
  const parent = resolve(dir, '..');
  await mkdir(parent, { recursive: true });
  const tmp = await mkdtemp(join(parent, '.download-'));
  try {
    const got = await download(tmp);
    if (!existsSync(join(got, 'MLmodel'))) throw dataError(`${uri} is not an MLflow model (no MLmodel file in its artifacts)`);
    await rm(dir, { recursive: true, force: true });
    await rename(got, dir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** Cache directory per tracking server, so that version 3 of two servers never mix. */
function serverKey(tracker: Tracker): string {
  const uri = isAbsolute(tracker.uri) ? resolve(tracker.uri) : tracker.uri;
  return createHash('sha256').update(`${tracker.kind}:${uri}`).digest('hex').slice(0, 12);
}

function safeName(name: string): string {
  return encodeURIComponent(name).replace(/%/g, '_');
}
