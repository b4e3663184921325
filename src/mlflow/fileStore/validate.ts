import { posix } from 'node:path';
import { usageError } from '../../errors.js';

/**
 * The checks MLflow's server applies (mlflow/utils/validation.py), so that what the embedded store
 * accepts a tracking server accepts too. Keys become file paths here, which is why a key that
 * normalises to another path (`a//b`, `../x`, `/x`) is refused: it would escape or alias a file.
 * Failures are FraudctlError exit 2, as a server answers INVALID_PARAMETER_VALUE (HTTP 400).
 */

// Python's `\w` on str is Unicode-aware.
const KEY_RE = /^[/\p{L}\p{N}_.\- ]*$/u;
const RUN_ID_RE = /^[a-zA-Z0-9][\w-]{0,255}$/;
const EXPERIMENT_ID_RE = /^[a-zA-Z0-9][\w-]{0,63}$/;
const ALIAS_RE = /^[\w-]*$/;

// Value lengths are cut, not refused: see cleanValue in rest/batch.ts.
export const LIMITS = { key: 250, experimentName: 500, alias: 255 } as const;

export function validateKey(kind: 'metric' | 'param' | 'tag', key: string): void {
  if (key === '' || !KEY_RE.test(key)) {
    throw usageError(`invalid MLflow ${kind} name '${key}': only letters, digits, _ - . space and / are allowed`);
  }
  const norm = posix.normalize(key);
  if (norm !== key || norm === '.' || norm.startsWith('..') || norm.startsWith('/')) {
    throw usageError(`invalid MLflow ${kind} name '${key}': it would resolve to the path '${norm}'`);
  }
  if (key.length > LIMITS.key) throw usageError(`MLflow ${kind} name '${key.slice(0, 40)}…' is longer than ${LIMITS.key} characters`);
}

export function validateRunId(runId: string): void {
  if (!RUN_ID_RE.test(runId)) throw usageError(`invalid MLflow run id '${runId}'`);
}

export function validateExperimentId(id: string): void {
  if (!EXPERIMENT_ID_RE.test(id)) throw usageError(`invalid MLflow experiment id '${id}'`);
}

export function validateExperimentName(name: string): void {
  if (name === '') throw usageError('the MLflow experiment name must not be empty');
  if (name.length > LIMITS.experimentName) throw usageError(`the MLflow experiment name is longer than ${LIMITS.experimentName} characters`);
}

/** Registered model names are directory names in the file store: no path separator, no '%'. */
export function validateModelName(name: string): void {
  if (name === '') throw usageError('the registered model name must not be empty');
  if (/[/\\%]/.test(name) || name === '.' || name === '..' || name.startsWith('.')) {
    throw usageError(`invalid registered model name '${name}': no '/', '\\', '%' or leading '.' allowed`);
  }
}

export function validateVersion(version: string): number {
  const n = Number(version);
  if (!/^\d+$/.test(version) || !Number.isSafeInteger(n) || n < 1) throw usageError(`model version must be a positive integer, got '${version}'`);
  return n;
}

/** Aliases: `[\w-]*`, at most 255 characters, not `latest`, not `v<digits>` (reserved by MLflow). */
export function validateAlias(alias: string): void {
  if (alias === '' || !ALIAS_RE.test(alias)) throw usageError(`invalid alias '${alias}': only letters, digits, _ and - are allowed`);
  if (alias.length > LIMITS.alias) throw usageError(`alias '${alias.slice(0, 40)}…' is longer than ${LIMITS.alias} characters`);
  if (alias.toLowerCase() === 'latest' || /^[vV]\d+$/.test(alias)) throw usageError(`alias '${alias}' is reserved by MLflow`);
}
