import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { dataError, usageError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { UNDEFINED_METRICS_TAG } from '../rest/restTracker.js';
import type { Metric, Run, RunInfo, RunSearch, RunStatus } from '../tracker.js';
import { getExperiment } from './experiments.js';
import { createFileOnce, keyPath, listDirs, listKeyFiles, readKeyValues, readTextIfExists, readYamlIfExists, writeFileAtomic, writeYamlAtomic } from './files.js';
import { META, MODELS, RESERVED_EXPERIMENT_FOLDERS, runInfoFromMeta, runMeta, statusCode, TRASH } from './layout.js';
import { parsePyFloat, pyFloat } from './pyFormat.js';
import { validateKey, validateRunId } from './validate.js';

const RUN_NAME_TAG = 'mlflow.runName';

/** Checks a key and prepares its value (secrets masked, cut to MLflow's limit). */
export interface ValueCleaner {
  param(key: string, value: string): string;
  tag(key: string, value: string): string;
}

export interface RunLocation {
  dir: string;
  meta: Record<string, unknown>;
}

/**
 * Runs of the file store: create, log, read, search. Values are prepared as the REST tracker
 * prepares them (rest/batch.ts): secrets masked, over-long values cut with a warning, non-finite
 * metrics named in the fraudctl.undefined_metrics tag instead of being written.
 */
export class RunFiles {
  /** run id → run directory; a run never moves while fraudctl runs. */
  private readonly dirs = new Map<string, string>();

  constructor(
    private readonly root: string,
    private readonly clean: ValueCleaner,
    private readonly log: Logger,
  ) {}

  async create(opts: { experimentId: string; runName: string; startTime: number; tags: Record<string, string> }): Promise<RunInfo> {
    const exp = await getExperiment(this.root, opts.experimentId);
    if (!exp) throw dataError(`MLflow experiment ${opts.experimentId} does not exist in ${this.root}`);
    if (exp.deleted || exp.meta.lifecycle_stage !== 'active') throw usageError(`MLflow experiment ${opts.experimentId} is deleted; runs cannot be created in it`);
    const tagged = opts.tags[RUN_NAME_TAG];
    if (tagged !== undefined && opts.runName !== '' && tagged !== opts.runName) {
      throw usageError(`run name '${opts.runName}' and tag ${RUN_NAME_TAG}='${tagged}' differ`);
    }
    const runId = randomUUID().replace(/-/g, '');
    const runName = opts.runName || tagged || `run-${runId.slice(0, 8)}`;
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...opts.tags, [RUN_NAME_TAG]: runName })) tags[k] = this.clean.tag(k, v);
    const dir = join(exp.dir, runId);
    await mkdir(dir);
    for (const sub of ['metrics', 'params', 'artifacts']) await mkdir(join(dir, sub));
    for (const [k, v] of Object.entries(tags)) await writeFileAtomic(keyPath(join(dir, 'tags'), k), v, dir);
    // meta.yaml last: until it exists, readers (MLflow's too) skip the folder as not yet a run.
    const meta = runMeta({ experiment: exp.meta, runId, runName, startTime: opts.startTime, userId: tags['mlflow.user'] ?? safeUser() });
    await writeYamlAtomic(join(dir, META), { ...meta }, dir);
    this.dirs.set(runId, dir);
    return runInfoFromMeta({ ...meta });
  }

  async locate(runId: string): Promise<RunLocation> {
    validateRunId(runId);
    const cached = this.dirs.get(runId);
    const candidates = cached ? [cached] : await this.candidateDirs(runId);
    for (const dir of candidates) {
      const meta = await readYamlIfExists(join(dir, META));
      if (meta) {
        this.dirs.set(runId, dir);
        return { dir, meta };
      }
    }
    throw dataError(`MLflow run ${runId} does not exist in ${this.root}`);
  }

  private async candidateDirs(runId: string): Promise<string[]> {
    const active = (await listDirs(this.root)).filter((d) => d !== MODELS).map((d) => join(this.root, d, runId));
    const deleted = (await listDirs(join(this.root, TRASH))).map((d) => join(this.root, TRASH, d, runId));
    return [...active, ...deleted];
  }

  async logBatch(runId: string, batch: { metrics?: Metric[]; params?: Record<string, string>; tags?: Record<string, string> }): Promise<void> {
    const { dir, meta } = await this.locate(runId);
    const params = Object.entries(batch.params ?? {}).map(([k, v]) => {
      return [k, this.clean.param(k, v)] as const;
    });
    const tags = Object.entries(batch.tags ?? {}).map(([k, v]) => [k, this.clean.tag(k, v)] as const);
    const all = batch.metrics ?? [];
    for (const m of all) checkMetric(m);
    const metrics = all.filter((m) => Number.isFinite(m.value));
    const undefinedKeys = [...new Set(all.filter((m) => !Number.isFinite(m.value)).map((m) => m.key))];
    if (undefinedKeys.length > 0) {
      const old = await readTextIfExists(keyPath(join(dir, 'tags'), UNDEFINED_METRICS_TAG));
      const keys = new Set([...(old ? old.split(',') : []), ...undefinedKeys]);
      tags.push([UNDEFINED_METRICS_TAG, this.clean.tag(UNDEFINED_METRICS_TAG, [...keys].sort().join(','))]);
      this.log.warn({ runId, metrics: undefinedKeys }, `metrics not finite, not logged (named in the ${UNDEFINED_METRICS_TAG} tag)`);
    }
    // The order MLflow's log_batch uses: params, then metrics, then tags.
    for (const [k, v] of params) await this.logParam(dir, runId, k, v);
    for (const m of metrics) {
      const path = keyPath(join(dir, 'metrics'), m.key);
      await mkdir(join(path, '..'), { recursive: true });
      // One line per point, appended: `<timestamp ms> <value> <step>`.
      await appendFile(path, `${Math.round(m.timestamp)} ${pyFloat(m.value)} ${Math.round(m.step)}\n`);
    }
    for (const [k, v] of tags) await this.writeTag(dir, meta, k, v);
  }

  /** Params are write-once: the same value again is accepted, another value is exit 2. */
  private async logParam(dir: string, runId: string, key: string, value: string): Promise<void> {
    const path = keyPath(join(dir, 'params'), key);
    if (await createFileOnce(path, value, dir)) return;
    const current = await readFile(path, 'utf8');
    if (current !== value) {
      throw usageError(
        `MLflow param '${key}' of run ${runId} is already '${current}'; params cannot change (tried '${value}')`,
        'log a changing value as a metric or a tag, or use a new (child) run',
      );
    }
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    const clean = this.clean.tag(key, value);
    const { dir, meta } = await this.locate(runId);
    await this.writeTag(dir, meta, key, clean);
  }

  /** Tags overwrite. `mlflow.runName` is mirrored into meta.yaml's run_name, as MLflow does. */
  private async writeTag(dir: string, meta: Record<string, unknown>, key: string, value: string): Promise<void> {
    await writeFileAtomic(keyPath(join(dir, 'tags'), key), value, dir);
    if (key === RUN_NAME_TAG && meta.run_name !== value) {
      meta.run_name = value;
      await writeYamlAtomic(join(dir, META), meta, dir);
    }
  }

  /** A tag written without the value checks (the model history outgrows the tag limit in MLflow too). */
  async writeRawTag(runId: string, key: string, update: (old: string | undefined) => string): Promise<void> {
    validateKey('tag', key);
    const { dir } = await this.locate(runId);
    const path = keyPath(join(dir, 'tags'), key);
    await writeFileAtomic(path, update(await readTextIfExists(path)), dir);
  }

  async end(runId: string, status: RunStatus, endTime: number): Promise<void> {
    const { dir, meta } = await this.locate(runId);
    meta.status = statusCode(status);
    meta.end_time = endTime;
    await writeYamlAtomic(join(dir, META), meta, dir);
  }

  async get(runId: string): Promise<Run> {
    const { dir, meta } = await this.locate(runId);
    return readRun(dir, meta);
  }

  async search(experimentIds: string[], search: RunSearch = {}): Promise<Run[]> {
    const wanted = Object.entries(search.tags ?? {});
    const runs: Run[] = [];
    for (const expId of experimentIds) {
      const exp = await getExperiment(this.root, expId);
      if (!exp) continue;
      for (const runId of await listDirs(exp.dir)) {
        if (RESERVED_EXPERIMENT_FOLDERS.has(runId)) continue;
        const dir = join(exp.dir, runId);
        const meta = await readYamlIfExists(join(dir, META));
        if (!meta || meta.lifecycle_stage === 'deleted') continue;
        if (search.status && runInfoFromMeta(meta).status !== search.status) continue;
        // Only the filtered tags are read before the run is known to match.
        let match = true;
        for (const [k, v] of wanted) if ((await readTextIfExists(keyPath(join(dir, 'tags'), k))) !== v) match = false;
        if (match) runs.push(await readRun(dir, meta));
      }
    }
    // MLflow's default order: newest start first, then run id.
    runs.sort((a, b) => b.info.startTime - a.info.startTime || (a.info.runId < b.info.runId ? -1 : 1));
    return runs.slice(0, search.maxResults ?? 1000);
  }
}

function checkMetric(m: Metric): void {
  validateKey('metric', m.key);
  if (!Number.isFinite(m.timestamp) || m.timestamp < 0) throw usageError(`metric '${m.key}' has an invalid timestamp ${m.timestamp}`);
  if (!Number.isFinite(m.step)) throw usageError(`metric '${m.key}' has an invalid step ${m.step}`);
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Latest value of each metric file: the point with the largest (step, timestamp, value). */
async function readMetrics(dir: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const key of await listKeyFiles(dir)) {
    let best: [number, number, number] | undefined;
    for (const line of (await readFile(keyPath(dir, key), 'utf8')).split('\n')) {
      const parts = line.trim().split(' ');
      if (parts.length < 2 || parts[0] === '') continue;
      const p: [number, number, number] = [Number(parts[2] ?? 0), Number(parts[0]), parsePyFloat(parts[1])];
      if (!best || p[0] > best[0] || (p[0] === best[0] && (p[1] > best[1] || (p[1] === best[1] && p[2] > best[2])))) best = p;
    }
    if (best) out[key] = best[2];
  }
  return out;
}

async function readRun(dir: string, meta: Record<string, unknown>): Promise<Run> {
  const info = runInfoFromMeta(meta);
  const tags = await readKeyValues(join(dir, 'tags'));
  // Runs written by MLflow before 2.0 have no run_name in meta.yaml, only the tag.
  if (info.runName === '' && tags[RUN_NAME_TAG]) info.runName = tags[RUN_NAME_TAG];
  return { info, data: { metrics: await readMetrics(join(dir, 'metrics')), params: await readKeyValues(join(dir, 'params')), tags } };
}
