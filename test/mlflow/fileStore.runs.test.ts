import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FileStore } from '../../src/mlflow/fileStore.js';
import { buildMlmodel } from '../../src/mlflow/mlmodel.js';

const T0 = Date.UTC(2025, 2, 20, 12, 0, 0);
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `fraudctl-${name}-`));

async function openStore() {
  const root = join(tmp('mlruns'), 'mlruns');
  const store = await FileStore.open(root);
  return { root, store, exp: await store.getOrCreateExperiment('fraudctl') };
}

describe('FileStore runs', () => {
  it('a search parent with trial children linked by mlflow.parentRunId', async () => {
    const { store, exp } = await openStore();
    const parent = await store.createRun({ experimentId: exp, runName: 'search', startTime: T0, tags: { 'fraudctl.date': '2025-03-20' } });
    const children = [];
    for (let trial = 0; trial < 3; trial++) {
      const child = await store.createRun({
        experimentId: exp,
        runName: `trial-${trial}`,
        startTime: T0 + 1000 * (trial + 1),
        tags: { 'mlflow.parentRunId': parent.runId, 'fraudctl.trial': String(trial) },
      });
      await store.logBatch(child.runId, {
        params: { n_trees: String(50 * (trial + 1)) },
        metrics: [{ key: 'roc_auc', value: 0.8 + trial / 100, timestamp: T0 + 1000 * (trial + 1), step: 0 }],
      });
      await store.endRun(child.runId, 'FINISHED', T0 + 1000 * (trial + 1) + 500);
      children.push(child);
    }
    await store.logBatch(parent.runId, { metrics: [{ key: 'best_roc_auc', value: 0.82, timestamp: T0 + 5000, step: 0 }] });

    const found = await store.searchRuns([exp], { tags: { 'mlflow.parentRunId': parent.runId } });
    // Newest start first.
    expect(found.map((r) => r.info.runName)).toEqual(['trial-2', 'trial-1', 'trial-0']);
    expect(found.map((r) => r.data.params.n_trees)).toEqual(['150', '100', '50']);
    expect(found[0].data.metrics.roc_auc).toBeCloseTo(0.82, 12);
    expect(found.every((r) => r.info.status === 'FINISHED')).toBe(true);

    const running = await store.searchRuns([exp], { status: 'RUNNING' });
    expect(running.map((r) => r.info.runId)).toEqual([parent.runId]);
    expect(running[0].data.metrics).toEqual({ best_roc_auc: 0.82 });

    const byTwoTags = await store.searchRuns([exp], { tags: { 'mlflow.parentRunId': parent.runId, 'fraudctl.trial': '1' } });
    expect(byTwoTags.map((r) => r.info.runId)).toEqual([children[1].runId]);
    expect(await store.searchRuns([exp], { tags: { 'fraudctl.date': '1999-01-01' } })).toEqual([]);
    expect(await store.searchRuns([exp], { maxResults: 2 })).toHaveLength(2);
    // Experiment 0 holds none of these.
    expect(await store.searchRuns(['0'])).toEqual([]);
  });

  it('a run name given both ways must agree; an unknown experiment is exit 3', async () => {
    const { store, exp } = await openStore();
    await expect(store.createRun({ experimentId: exp, runName: 'a', startTime: T0, tags: { 'mlflow.runName': 'b' } })).rejects.toMatchObject({ exitCode: 2 });
    const r = await store.createRun({ experimentId: exp, runName: '', startTime: T0, tags: { 'mlflow.runName': 'from-tag' } });
    expect(r.runName).toBe('from-tag');
    await expect(store.createRun({ experimentId: '123456789012345678', runName: 'x', startTime: T0, tags: {} })).rejects.toMatchObject({ exitCode: 3 });
  });

  it('artifacts round trip: a local folder into <run>/artifacts/model and back', async () => {
    const { store, exp } = await openStore();
    const run = await store.createRun({ experimentId: exp, runName: 'r', startTime: T0, tags: {} });
    const src = tmp('model-src');
    mkdirSync(join(src, 'sub'));
    writeFileSync(join(src, 'MLmodel'), 'artifact_path: model\n');
    writeFileSync(join(src, 'model.bin'), Buffer.from([0, 1, 2, 255]));
    writeFileSync(join(src, 'sub', 'features.json'), '["amount"]');
    await store.logArtifacts(run, src, 'model');

    const artifactDir = fileURLToPath(run.artifactUri);
    expect(readFileSync(join(artifactDir, 'model', 'model.bin'))).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(readFileSync(join(artifactDir, 'model', 'sub', 'features.json'), 'utf8')).toBe('["amount"]');

    const dest = tmp('model-dst');
    const local = await store.downloadArtifacts(run.runId, 'model', dest);
    expect(local).toBe(join(dest, 'model'));
    expect(readFileSync(join(local, 'MLmodel'), 'utf8')).toBe('artifact_path: model\n');
    expect(readFileSync(join(local, 'model.bin'))).toEqual(Buffer.from([0, 1, 2, 255]));
    await expect(store.downloadArtifacts(run.runId, 'nothing-here', dest)).rejects.toMatchObject({ exitCode: 3 });
    await expect(store.logArtifacts(run, src, '../escape')).rejects.toMatchObject({ exitCode: 2 });
  });

  it('logModel appends to the mlflow.log-model.history tag as a JSON list', async () => {
    const { root, store, exp } = await openStore();
    const run = await store.createRun({ experimentId: exp, runName: 'r', startTime: T0, tags: {} });
    await store.logModel(run.runId, { artifact_path: 'model', run_id: run.runId, flavors: { fraudctl_forest: { model_file: 'model.bin' } } });
    await store.logModel(run.runId, { artifact_path: 'model2', run_id: run.runId });
    const text = readFileSync(join(root, exp, run.runId, 'tags', 'mlflow.log-model.history'), 'utf8');
    // json.dumps spacing, as MLflow writes it.
    expect(text).toBe(
      `[{"artifact_path": "model", "run_id": "${run.runId}", "flavors": {"fraudctl_forest": {"model_file": "model.bin"}}}, {"artifact_path": "model2", "run_id": "${run.runId}"}]`,
    );
    expect((JSON.parse(text) as unknown[]).length).toBe(2);

    // The MLmodel dict of a real model goes in as it is, signature strings included.
    const mlmodel = buildMlmodel({ runId: run.runId, featureNames: ['amount'], fraudctlVersion: '0.1.0', createdAt: new Date(T0) });
    await store.logModel(run.runId, mlmodel);
    const history = JSON.parse(readFileSync(join(root, exp, run.runId, 'tags', 'mlflow.log-model.history'), 'utf8')) as unknown[];
    expect(history[2]).toEqual(mlmodel);
  });
});
