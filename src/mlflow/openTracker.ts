import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { secretValues, type Config, type MlflowSettings } from '../config.js';
import { usageError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Tracker } from './tracker.js';

/**
 * The tracker for a configuration: a directory or file:// URI is the embedded file store (what
 * `mlflow ui --backend-store-uri` opens), http(s):// a tracking server over REST. Both modules are
 * imported lazily, so commands that never track load neither.
 */
const HTTP_RE = /^https?:\/\//i;
// A URI scheme of two letters or more (one letter is a Windows drive, `C:\mlruns`).
const SCHEME_RE = /^([a-z][a-z0-9+.-]+):/i;

const ALLOWED = 'a directory (./mlruns), file:///absolute/path, or http(s)://tracking-server';

type TrackingKind = 'file' | 'rest';

function kindOf(uri: string, what: string): TrackingKind {
  if (HTTP_RE.test(uri)) return 'rest';
  // MLflow reads a bare 'databricks' as the Databricks workspace, not as a folder name.
  const scheme = uri.toLowerCase() === 'databricks' ? 'databricks' : SCHEME_RE.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === 'file') return 'file';
  throw usageError(
    `${what} '${uri}' is not supported: use ${ALLOWED}`,
    scheme === 'databricks' || scheme.startsWith('sqlite') || scheme.startsWith('postgres') || scheme.startsWith('mysql')
      ? 'a database backend is reached through an MLflow tracking server: point fraudctl at its http(s):// address'
      : undefined,
  );
}

/** True when tracking goes to the embedded file store (no server involved). */
export function isEmbeddedTracking(config: Pick<Config, 'trackingUri'>): boolean {
  return kindOf(config.trackingUri, 'MLFLOW_TRACKING_URI') === 'file';
}

export async function openTracker(config: MlflowSettings, log: Logger, cwd: string): Promise<Tracker> {
  const kind = kindOf(config.trackingUri, 'MLFLOW_TRACKING_URI');
  const registryKind = config.registryUri === undefined ? kind : kindOf(config.registryUri, 'MLFLOW_REGISTRY_URI');
  if (kind === 'rest') {
    if (registryKind === 'file') throw usageError(`a file registry (${config.registryUri}) with a tracking server is not supported`, 'leave MLFLOW_REGISTRY_URI unset to use the server registry');
    const { RestTracker } = await import('./rest/restTracker.js');
    return journaled(await RestTracker.fromConfig(config, log, { cwd }), restJournal(config.trackingUri), log);
  }
  if (registryKind === 'rest') throw usageError(`a registry server (${config.registryUri}) with the embedded file store is not supported`, 'set MLFLOW_TRACKING_URI to the same server, or unset MLFLOW_REGISTRY_URI');
  const { FileStore, fileStoreRoot } = await import('./fileStore.js');
  // The journal of open runs lives in the store (a file: MLflow lists only directories there).
  const journal = join(fileStoreRoot(config.trackingUri, cwd), '.fraudctl-open-runs.json');
  return journaled(await FileStore.open(config.trackingUri, { cwd, log, secrets: secretValues(config), ...(config.registryUri === undefined ? {} : { registryRoot: config.registryUri }) }), journal, log);
}

/** A server's journal of open runs: per user, keyed by the server address (not the working directory). */
function restJournal(uri: string): string {
  return join(homedir(), '.local', 'state', 'fraudctl', `open-runs-${createHash('sha256').update(uri.replace(/\/+$/, '')).digest('hex').slice(0, 16)}.json`);
}

/** Ends the runs left RUNNING by killed fraudctl processes, then records this process's runs. */
async function journaled(tracker: Tracker, journal: string, log: Logger): Promise<Tracker> {
  const { endOrphanRuns, withRunJournal } = await import('./rest/pendingEnds.js');
  const ended = await endOrphanRuns(tracker, journal);
  if (ended.length > 0) log.warn({ runs: ended, store: tracker.uri }, `ended ${ended.length} run(s) FAILED whose fraudctl process was killed`);
  return withRunJournal(tracker, journal);
}
