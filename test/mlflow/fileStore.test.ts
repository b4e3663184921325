import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FraudctlError } from '../../src/errors.js';
import { FileStore } from '../../src/mlflow/fileStore.js';

const T0 = Date.UTC(2025, 2, 20, 12, 0, 0); // 1742472000000

function newRoot(): string {
  return join(mkdtempSync(join(tmpdir(), 'fraudctl-mlruns-')), 'mlruns');
}

const yamlAt = (...p: string[]) => YAML.parse(readFileSync(join(...p), 'utf8'), { version: '1.1' }) as Record<string, unknown>;
const textAt = (...p: string[]) => readFileSync(join(...p), 'utf8');

describe('FileStore layout (what mlflow ui reads)', () => {
  it('creates the Default experiment 0, .trash and models on the first write, nothing on open', async () => {
    const root = newRoot();
    const fs = await FileStore.open(root, { now: () => T0 });
    expect(existsSync(root)).toBe(false);
    await fs.getOrCreateExperiment('first');
    expect(yamlAt(root, '0', 'meta.yaml')).toEqual({
      artifact_location: `${pathToFileURL(root).href}/0`,
      creation_time: T0,
      experiment_id: '0',
      last_update_time: T0,
      lifecycle_stage: 'active',
      name: 'Default',
    });
    // Sorted keys, the id a quoted string (PyYAML would read a bare 0 as an int).
    expect(textAt(root, '0', 'meta.yaml')).toMatch(/^artifact_location: .*\ncreation_time: 1742472000000\nexperiment_id: '0'\n/);
    expect(existsSync(join(root, '.trash'))).toBe(true);
    expect(existsSync(join(root, 'models'))).toBe(true);
  });

  it('accepts a file:// URI and a path relative to cwd', async () => {
    const root = newRoot();
    const a = await FileStore.open(pathToFileURL(root).href);
    expect(a.root).toBe(root);
    const b = await FileStore.open('mlruns', { cwd: join(root, '..') });
    expect(b.root).toBe(root);
  });

  it('a store location that is a file is exit 2', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fraudctl-mlruns-')), 'not-a-dir');
    writeFileSync(file, 'x');
    await expect(FileStore.open(file)).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('cannot use') });
  });

  it('creates an experiment by name with an 18-digit id and finds it again', async () => {
    const root = newRoot();
    const store = await FileStore.open(root, { now: () => T0 + 5 });
    const id = await store.getOrCreateExperiment('fraudctl');
    expect(id).toMatch(/^[1-9]\d{17}$/);
    expect(await store.getOrCreateExperiment('fraudctl')).toBe(id);
    expect(yamlAt(root, id, 'meta.yaml')).toEqual({
      artifact_location: `${pathToFileURL(root).href}/${id}`,
      creation_time: T0 + 5,
      experiment_id: id,
      last_update_time: T0 + 5,
      lifecycle_stage: 'active',
      name: 'fraudctl',
    });
    // A name that YAML 1.1 would read as a date stays a string.
    const dated = await store.getOrCreateExperiment('2025-03-20');
    expect(textAt(root, dated, 'meta.yaml')).toContain("name: '2025-03-20'");
    expect(readdirSync(root).filter((d) => /^\d+$/.test(d)).sort()).toEqual(['0', dated, id].sort());
  });

  it('two stores creating the same experiment at once end up with one experiment', async () => {
    const root = newRoot();
    const [s1, s2] = await Promise.all([FileStore.open(root), FileStore.open(root)]);
    const ids = await Promise.all([s1, s2, s1, s2].map((s) => s.getOrCreateExperiment('race')));
    expect(new Set(ids).size).toBe(1);
    expect(readdirSync(root).filter((d) => /^\d+$/.test(d))).toHaveLength(2); // 0 and race
    expect(existsSync(join(root, '.fraudctl-experiments.lock'))).toBe(false);
  });

  it('writes run meta.yaml with an integer status and end_time null, then FINISHED (3)', async () => {
    const root = newRoot();
    const store = await FileStore.open(root);
    const exp = await store.getOrCreateExperiment('fraudctl');
    const run = await store.createRun({ experimentId: exp, runName: 'search-2025-03-20', startTime: T0, tags: { 'mlflow.user': 'ci' } });
    expect(run.runId).toMatch(/^[0-9a-f]{32}$/);
    const runDir = join(root, exp, run.runId);
    expect(yamlAt(runDir, 'meta.yaml')).toEqual({
      artifact_uri: `${pathToFileURL(root).href}/${exp}/${run.runId}/artifacts`,
      deleted_time: null,
      end_time: null,
      entry_point_name: '',
      experiment_id: exp,
      lifecycle_stage: 'active',
      run_id: run.runId,
      run_name: 'search-2025-03-20',
      run_uuid: run.runId,
      source_name: '',
      source_type: 4,
      source_version: '',
      start_time: T0,
      status: 1,
      tags: [],
      user_id: 'ci',
    });
    expect(textAt(runDir, 'meta.yaml')).toContain('\nend_time: null\n');
    expect(textAt(runDir, 'meta.yaml')).toContain('\nstatus: 1\n');
    expect(textAt(runDir, 'tags', 'mlflow.runName')).toBe('search-2025-03-20');
    for (const sub of ['metrics', 'params', 'artifacts']) expect(existsSync(join(runDir, sub))).toBe(true);

    await store.endRun(run.runId, 'FINISHED', T0 + 60_000);
    const meta = yamlAt(runDir, 'meta.yaml');
    expect([meta.status, meta.end_time]).toEqual([3, T0 + 60_000]);
    const back = await store.getRun(run.runId);
    expect(back.info).toEqual({ ...run, status: 'FINISHED', endTime: T0 + 60_000 });
    await store.endRun(run.runId, 'KILLED', T0 + 61_000);
    expect(yamlAt(runDir, 'meta.yaml').status).toBe(5);
  });

  it('appends metric lines, writes params and tags without a trailing newline, nests keys with /', async () => {
    const root = newRoot();
    const store = await FileStore.open(root);
    const exp = await store.getOrCreateExperiment('fraudctl');
    const { runId } = await store.createRun({ experimentId: exp, runName: 'r', startTime: T0, tags: {} });
    await store.logBatch(runId, {
      metrics: [
        { key: 'roc_auc', value: 0.91, timestamp: T0 + 1, step: 0 },
        { key: 'roc_auc', value: 1, timestamp: T0 + 2, step: 1 },
        { key: 'eval/pr_auc', value: 0.25, timestamp: T0 + 3, step: 0 },
      ],
      params: { max_depth: '8', 'forest/n_trees': '100' },
      tags: { 'fraudctl.date': '2025-03-20', 'fraudctl.airflow/dag': 'daily' },
    });
    await store.logBatch(runId, { metrics: [{ key: 'roc_auc', value: 0.5, timestamp: T0 + 4, step: 2 }] });
    const runDir = join(root, exp, runId);
    expect(textAt(runDir, 'metrics', 'roc_auc')).toBe(`${T0 + 1} 0.91 0\n${T0 + 2} 1.0 1\n${T0 + 4} 0.5 2\n`);
    expect(textAt(runDir, 'metrics', 'eval', 'pr_auc')).toBe(`${T0 + 3} 0.25 0\n`);
    expect(textAt(runDir, 'params', 'max_depth')).toBe('8');
    expect(textAt(runDir, 'params', 'forest', 'n_trees')).toBe('100');
    expect(textAt(runDir, 'tags', 'fraudctl.date')).toBe('2025-03-20');
    expect(textAt(runDir, 'tags', 'fraudctl.airflow', 'dag')).toBe('daily');

    const run = await store.getRun(runId);
    // The latest metric is the one with the highest step.
    expect(run.data.metrics).toEqual({ roc_auc: 0.5, 'eval/pr_auc': 0.25 });
    expect(run.data.params).toEqual({ max_depth: '8', 'forest/n_trees': '100' });
    expect(run.data.tags).toEqual({ 'mlflow.runName': 'r', 'fraudctl.date': '2025-03-20', 'fraudctl.airflow/dag': 'daily' });

    await store.setTag(runId, 'fraudctl.date', '2025-03-21');
    expect(textAt(runDir, 'tags', 'fraudctl.date')).toBe('2025-03-21');
    await store.setTag(runId, 'mlflow.runName', 'renamed');
    expect(yamlAt(runDir, 'meta.yaml').run_name).toBe('renamed');
    // No temporary file is left next to the records.
    expect(readdirSync(runDir).sort()).toEqual(['artifacts', 'meta.yaml', 'metrics', 'params', 'tags']);
  });

  it('params are write-once: the same value again is fine, another value is exit 2', async () => {
    const root = newRoot();
    const store = await FileStore.open(root);
    const exp = await store.getOrCreateExperiment('fraudctl');
    const { runId } = await store.createRun({ experimentId: exp, runName: 'r', startTime: T0, tags: {} });
    await store.logBatch(runId, { params: { seed: '42' } });
    await store.logBatch(runId, { params: { seed: '42' } });
    const err = await store.logBatch(runId, { params: { seed: '43' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FraudctlError);
    expect((err as FraudctlError).exitCode).toBe(2);
    expect((err as FraudctlError).message).toContain("param 'seed'");
    expect(textAt(root, exp, runId, 'params', 'seed')).toBe('42');
  });

  it('refuses keys that would escape their folder; an unknown run is exit 3', async () => {
    const root = newRoot();
    const store = await FileStore.open(root);
    const exp = await store.getOrCreateExperiment('fraudctl');
    const { runId } = await store.createRun({ experimentId: exp, runName: 'r', startTime: T0, tags: {} });
    for (const key of ['../x', '/abs', 'a//b', 'a/./b', 'bad:key']) {
      await expect(store.setTag(runId, key, 'v')).rejects.toMatchObject({ exitCode: 2 });
    }
    await expect(store.getRun('0123456789abcdef0123456789abcdef')).rejects.toMatchObject({ exitCode: 3 });
  });

  it('prepares values as the REST tracker does: undefined metrics named in a tag, long values cut, secrets masked', async () => {
    const root = newRoot();
    const store = await FileStore.open(root, { secrets: ['s3cr3t-key'] });
    const exp = await store.getOrCreateExperiment('fraudctl');
    const { runId } = await store.createRun({ experimentId: exp, runName: 'r', startTime: T0, tags: {} });
    await store.logBatch(runId, {
      metrics: [
        { key: 'precision', value: NaN, timestamp: T0, step: 0 },
        { key: 'recall', value: 0.5, timestamp: T0, step: 0 },
      ],
    });
    await store.logBatch(runId, { metrics: [{ key: 'roc_auc', value: Infinity, timestamp: T0, step: 0 }] });
    const runDir = join(root, exp, runId);
    expect(readdirSync(join(runDir, 'metrics'))).toEqual(['recall']);
    expect(textAt(runDir, 'tags', 'fraudctl.undefined_metrics')).toBe('precision,roc_auc');

    await store.logBatch(runId, { params: { long: 'x'.repeat(7000) }, tags: { note: `key=s3cr3t-key ${'y'.repeat(6000)}` } });
    expect(textAt(runDir, 'params', 'long')).toHaveLength(6000);
    const note = textAt(runDir, 'tags', 'note');
    expect(note.startsWith('key=**** y')).toBe(true);
    expect(note).toHaveLength(5000);
  });
});
