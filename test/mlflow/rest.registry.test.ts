import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModelUri, resolveModel } from '../../src/mlflow/modelUri.js';
import { decidePromotion, promoteIfBetter } from '../../src/mlflow/promote.js';
import type { RestTracker } from '../../src/mlflow/rest/restTracker.js';
import { captureLog, restTrackerFor, serverPerTest } from './server.js';

const server = serverPerTest();

function modelDir(marker: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fraudctl-model-'));
  writeFileSync(join(dir, 'MLmodel'), `artifact_path: model\nmarker: ${marker}\n`);
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ marker }));
  return dir;
}

/** What the train command does: a run, the model under model/, log-model, a registered version with its test tags. */
async function trainAndRegister(tracker: RestTracker, testDay: string, auc: number, marker = `${testDay}/${auc}`) {
  const exp = await tracker.getOrCreateExperiment('fraud');
  const run = await tracker.createRun({ experimentId: exp, runName: 'search', startTime: Date.parse(`${testDay}T06:00:00Z`), tags: {} });
  await tracker.logArtifacts(run, modelDir(marker), 'model');
  await tracker.logModel(run.runId, { artifact_path: 'model', flavors: { fraudctl_rf: { data: 'model.json' } }, run_id: run.runId, utc_time_created: '2025-03-21 06:00:00.000000' });
  await tracker.endRun(run.runId, 'FINISHED', Date.parse(`${testDay}T07:00:00Z`));
  const mv = await tracker.createModelVersion('fraud-detector', `${run.artifactUri}/model`, run.runId, { 'fraudctl.test_day': testDay, 'fraudctl.roc_auc': String(auc) });
  return { run, mv };
}

describe('registry over REST', () => {
  it('creates the model and a version, waits until READY, sets and reads aliases', async () => {
    const s = await server({ pendingPolls: 3 });
    const { tracker } = await restTrackerFor(s);
    const { run, mv } = await trainAndRegister(tracker, '2025-03-20', 0.9);
    expect(mv).toMatchObject({ name: 'fraud-detector', version: '1', status: 'READY', runId: run.runId, source: `${run.artifactUri}/model` });
    expect(mv.tags['fraudctl.roc_auc']).toBe('0.9');
    expect(s.requestsTo('model-versions/get')).toHaveLength(3);
    expect(JSON.parse(s.state.runs.get(run.runId)!.tags.get('mlflow.log-model.history')!)).toHaveLength(1);

    // A second version: registered-models/create answers RESOURCE_ALREADY_EXISTS, which is fine.
    const second = await trainAndRegister(tracker, '2025-03-21', 0.8);
    expect(second.mv.version).toBe('2');

    expect(await tracker.getModelVersionByAlias('fraud-detector', 'champion')).toBeUndefined();
    expect(s.requestsTo('registered-models/alias').at(-1)!.status).toBe(400);
    expect(await tracker.getModelVersionByAlias('no-such-model', 'champion')).toBeUndefined();
    await tracker.setAlias('fraud-detector', 'champion', '1');
    expect((await tracker.getModelVersionByAlias('fraud-detector', 'champion'))!.version).toBe('1');
    const versions = await tracker.listModelVersions('fraud-detector');
    expect(versions.map((v) => [v.version, v.aliases])).toEqual([
      ['2', []],
      ['1', ['champion']],
    ]);
    expect(await tracker.listRegisteredModels()).toEqual([{ name: 'fraud-detector', aliases: { champion: '1' }, latestVersion: '2' }]);
    await tracker.deleteAlias('fraud-detector', 'champion');
    expect(await tracker.getModelVersionByAlias('fraud-detector', 'champion')).toBeUndefined();
    expect(await tracker.listModelVersions('nothing')).toEqual([]);
    await expect(tracker.getModelVersion('fraud-detector', '9')).rejects.toMatchObject({ exitCode: 3, message: expect.stringContaining('has no version 9') });
    await expect(tracker.setAlias('fraud-detector', 'latest', '1')).rejects.toMatchObject({ exitCode: 2 });
  });

  it('no duplicate version when the answer to model-versions/create is lost', async () => {
    const s = await server({ pendingPolls: 0 });
    const { tracker } = await restTrackerFor(s);
    s.inject.fail({ path: 'model-versions/create', times: 1, status: 503, afterHandling: true });
    const { mv } = await trainAndRegister(tracker, '2025-03-20', 0.9);
    expect(mv.version).toBe('1');
    expect(s.state.models.get('fraud-detector')!.versions).toHaveLength(1);
    expect(s.requestsTo('model-versions/create')).toHaveLength(1);
  });
});

describe('promotion rule', () => {
  const o = { metric: 'roc_auc', alias: 'champion', minMetric: 0.5 };
  const c = (version: string, day?: string, score?: number) => ({ version, day, score });
  it.each([
    ['no champion', c('1', '2025-03-20', 0.9), undefined, true, /no current @champion/],
    ['same day, better', c('2', '2025-03-20', 0.91), c('1', '2025-03-20', 0.9), true, /0\.9100 > 0\.9000 .* same test day 2025-03-20/],
    ['same day, tie keeps the champion', c('2', '2025-03-20', 0.9), c('1', '2025-03-20', 0.9), false, /<= 0\.9000/],
    ['same day, worse', c('2', '2025-03-20', 0.7), c('1', '2025-03-20', 0.9), false, /0\.7000 <= 0\.9000/],
    ['later day, even with a lower score', c('2', '2025-03-21', 0.8), c('1', '2025-03-20', 0.9), true, /later day .* not compared/],
    ['earlier day (backfill)', c('2', '2025-03-19', 0.99), c('1', '2025-03-20', 0.9), false, /earlier day .* backfill/],
    ['no score', c('2', '2025-03-20', undefined), c('1', '2025-03-20', 0.9), false, /has no roc_auc/],
    ['no better than chance', c('2', '2025-03-21', 0.5), undefined, false, /not above 0\.5/],
    ['champion without a score', c('2', '2025-03-20', 0.6), c('1', undefined, undefined), true, /no recorded roc_auc/],
    ['already champion', c('1', '2025-03-20', 0.9), c('1', '2025-03-20', 0.9), false, /already is @champion/],
  ] as const)('%s', (_, cand, champ, promote, reason) => {
    const d = decidePromotion(cand, champ, o);
    expect(d.promote).toBe(promote);
    expect(d.reason).toMatch(reason);
  });

  it('moves the alias and writes the reason into the version tags', async () => {
    const s = await server({ pendingPolls: 0 });
    const { tracker } = await restTrackerFor(s);
    const { log } = await captureLog();
    await trainAndRegister(tracker, '2025-03-20', 0.9);
    await trainAndRegister(tracker, '2025-03-20', 0.85);
    await trainAndRegister(tracker, '2025-03-20', 0.93);

    const first = await promoteIfBetter(tracker, { name: 'fraud-detector', version: '1', testDay: '2025-03-20', log });
    expect(first).toMatchObject({ promoted: true });
    expect(first.previous).toBeUndefined();
    const worse = await promoteIfBetter(tracker, { name: 'fraud-detector', version: '2', log });
    expect(worse.promoted).toBe(false);
    expect(worse.previous!.version).toBe('1');
    const better = await promoteIfBetter(tracker, { name: 'fraud-detector', version: '3', log });
    expect(better.promoted).toBe(true);

    expect(s.state.models.get('fraud-detector')!.aliases.get('champion')).toBe('3');
    const tag = (v: string) => s.state.version('fraud-detector', v).tags.get('fraudctl.promotion');
    expect(tag('1')).toMatch(/^promoted to @champion: no current @champion/);
    expect(tag('2')).toBe('not promoted to @champion: roc_auc 0.8500 <= 0.9000 of @champion v1 on the same test day 2025-03-20');
    expect(tag('3')).toMatch(/^promoted to @champion: roc_auc 0\.9300 > 0\.9000/);
    await expect(promoteIfBetter(tracker, { name: 'fraud-detector', version: '3', testDay: '2025-03-22', log })).rejects.toMatchObject({ exitCode: 2 });
  });
});

describe('resolveModel', () => {
  it('parses the URI forms', () => {
    expect(parseModelUri('models:/fraud-detector@champion')).toEqual({ kind: 'alias', name: 'fraud-detector', alias: 'champion' });
    expect(parseModelUri('models:/fraud-detector/3')).toEqual({ kind: 'version', name: 'fraud-detector', version: '3' });
    expect(parseModelUri('runs:/abc123/model')).toEqual({ kind: 'run', runId: 'abc123', path: 'model' });
    expect(parseModelUri('./models/m1')).toEqual({ kind: 'local', path: './models/m1' });
    expect(() => parseModelUri('models:/x')).toThrow(/not models:\/NAME@ALIAS/);
    expect(() => parseModelUri('gs://b/m')).toThrow(/scheme not supported/);
  });

  it('alias, version, run and local path; a second resolve downloads nothing', async () => {
    const s = await server({ pendingPolls: 0 });
    const { tracker } = await restTrackerFor(s);
    const cache = mkdtempSync(join(tmpdir(), 'fraudctl-cache-'));
    const one = await trainAndRegister(tracker, '2025-03-20', 0.9, 'one');
    await trainAndRegister(tracker, '2025-03-21', 0.92, 'two');
    await tracker.setAlias('fraud-detector', 'champion', '2');

    const a = await resolveModel('models:/fraud-detector@champion', tracker, cache);
    expect(a).toMatchObject({ modelUri: 'models:/fraud-detector/2', modelVersion: '2' });
    expect(JSON.parse(readFileSync(join(a.dir, 'model.json'), 'utf8'))).toEqual({ marker: 'two' });
    const gets = () => s.requests.filter((r) => r.method === 'GET' && r.path.includes('mlflow-artifacts')).length;
    const before = gets();
    const again = await resolveModel('models:/fraud-detector@champion', tracker, cache);
    expect(again.dir).toBe(a.dir);
    expect(gets()).toBe(before);

    const v1 = await resolveModel('models:/fraud-detector/1', tracker, cache);
    expect(v1).toMatchObject({ modelVersion: '1', runId: one.run.runId });
    expect(JSON.parse(readFileSync(join(v1.dir, 'model.json'), 'utf8'))).toEqual({ marker: 'one' });

    const r = await resolveModel(`runs:/${one.run.runId}/model`, tracker, cache);
    expect(r).toMatchObject({ runId: one.run.runId, modelUri: `runs:/${one.run.runId}/model` });
    expect(readFileSync(join(r.dir, 'MLmodel'), 'utf8')).toContain('marker: one');

    const local = await resolveModel(v1.dir, tracker, cache);
    expect(local.dir).toBe(v1.dir);
  });

  it('unknown model, alias or version, or a directory without MLmodel: exit 3 with a clear message', async () => {
    const s = await server({ pendingPolls: 0 });
    const { tracker } = await restTrackerFor(s);
    const cache = mkdtempSync(join(tmpdir(), 'fraudctl-cache-'));
    await expect(resolveModel('models:/nope@champion', tracker, cache)).rejects.toMatchObject({ exitCode: 3, message: "no registered model 'nope' in " + s.url });
    await trainAndRegister(tracker, '2025-03-20', 0.9);
    await expect(resolveModel('models:/fraud-detector@champion', tracker, cache)).rejects.toMatchObject({
      exitCode: 3,
      message: "registered model 'fraud-detector' has no alias 'champion' (aliases: none; versions: 1)",
    });
    await expect(resolveModel('models:/fraud-detector/7', tracker, cache)).rejects.toMatchObject({ exitCode: 3, message: "registered model 'fraud-detector' has no version 7 (versions: 1)" });
    const empty = mkdtempSync(join(tmpdir(), 'fraudctl-empty-'));
    mkdirSync(join(empty, 'x'));
    await expect(resolveModel(join(empty, 'x'), tracker, cache)).rejects.toMatchObject({ exitCode: 3, message: expect.stringContaining('no MLmodel file') });
    await expect(resolveModel(join(empty, 'missing'), tracker, cache)).rejects.toMatchObject({ exitCode: 3 });
  });
});
