import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FileStore } from '../../src/mlflow/fileStore.js';

const T0 = Date.UTC(2025, 2, 20, 12, 0, 0);
const yamlAt = (...p: string[]) => YAML.parse(readFileSync(join(...p), 'utf8'), { version: '1.1' }) as Record<string, unknown>;

async function openStore() {
  const root = join(mkdtempSync(join(tmpdir(), 'fraudctl-registry-')), 'mlruns');
  let clock = T0;
  const store = await FileStore.open(root, { now: () => clock++ });
  return { root, store };
}

describe('FileStore registry', () => {
  it('versions 1 and 2, laid out as MLflow 2.x keeps them', async () => {
    const { root, store } = await openStore();
    expect(await store.listModelVersions('fraud-detector')).toEqual([]);
    const v1 = await store.createModelVersion('fraud-detector', 'file:///m/1/artifacts/model', 'run1', { 'fraudctl.test_day': '2025-03-20' });
    const v2 = await store.createModelVersion('fraud-detector', 'file:///m/2/artifacts/model', 'run2');
    expect([v1.version, v2.version]).toEqual(['1', '2']);
    expect(v1).toMatchObject({ name: 'fraud-detector', source: 'file:///m/1/artifacts/model', runId: 'run1', status: 'READY', aliases: [], tags: { 'fraudctl.test_day': '2025-03-20' } });

    const model = join(root, 'models', 'fraud-detector');
    const m = yamlAt(model, 'meta.yaml');
    expect(m).toMatchObject({ name: 'fraud-detector', creation_timestamp: T0 + 1, description: null, aliases: {} });
    expect(m.last_updated_timestamp as number).toBeGreaterThan(m.creation_timestamp as number);
    expect(yamlAt(model, 'version-1', 'meta.yaml')).toEqual({
      aliases: [],
      creation_timestamp: v1.creationTimestamp,
      current_stage: 'None',
      description: null,
      last_updated_timestamp: v1.creationTimestamp,
      name: 'fraud-detector',
      run_id: 'run1',
      run_link: null,
      source: 'file:///m/1/artifacts/model',
      status: 'READY',
      status_message: null,
      storage_location: 'file:///m/1/artifacts/model',
      user_id: null,
      version: 1,
    });
    expect(readFileSync(join(model, 'version-1', 'tags', 'fraudctl.test_day'), 'utf8')).toBe('2025-03-20');
    expect(readdirSync(model).sort()).toEqual(['meta.yaml', 'version-1', 'version-2']);

    expect((await store.listModelVersions('fraud-detector')).map((v) => v.version)).toEqual(['2', '1']);
    expect(await store.getModelVersion('fraud-detector', '2')).toEqual(v2);
    await expect(store.getModelVersion('fraud-detector', '3')).rejects.toMatchObject({ exitCode: 3 });
  });

  it('alias set, moved and deleted; files under aliases/ and a copy in meta.yaml', async () => {
    const { root, store } = await openStore();
    await store.createModelVersion('fraud-detector', 's1', 'run1');
    await store.createModelVersion('fraud-detector', 's2', 'run2');
    const model = join(root, 'models', 'fraud-detector');
    expect(await store.getModelVersionByAlias('fraud-detector', 'champion')).toBeUndefined();
    expect(await store.getModelVersionByAlias('no-such-model', 'champion')).toBeUndefined();

    await store.setAlias('fraud-detector', 'champion', '1');
    expect(readFileSync(join(model, 'aliases', 'champion'), 'utf8')).toBe('1');
    expect(yamlAt(model, 'meta.yaml').aliases).toEqual({ champion: '1' });
    expect((await store.getModelVersionByAlias('fraud-detector', 'champion'))?.version).toBe('1');
    expect((await store.getModelVersion('fraud-detector', '1')).aliases).toEqual(['champion']);

    await store.setAlias('fraud-detector', 'champion', '2');
    expect(readFileSync(join(model, 'aliases', 'champion'), 'utf8')).toBe('2');
    expect((await store.getModelVersionByAlias('fraud-detector', 'champion'))?.version).toBe('2');
    expect((await store.getModelVersion('fraud-detector', '1')).aliases).toEqual([]);
    expect(await store.listRegisteredModels()).toEqual([{ name: 'fraud-detector', aliases: { champion: '2' }, latestVersion: '2' }]);

    await store.deleteAlias('fraud-detector', 'champion');
    expect(existsSync(join(model, 'aliases', 'champion'))).toBe(false);
    expect(yamlAt(model, 'meta.yaml').aliases).toEqual({});
    expect(await store.getModelVersionByAlias('fraud-detector', 'champion')).toBeUndefined();

    await expect(store.setAlias('fraud-detector', 'champion', '9')).rejects.toMatchObject({ exitCode: 3 });
    for (const bad of ['latest', 'v2', 'has space']) await expect(store.setAlias('fraud-detector', bad, '1')).rejects.toMatchObject({ exitCode: 2 });
  });

  it('version tags overwrite; models list by name', async () => {
    const { root, store } = await openStore();
    await store.createModelVersion('zeta', 's', 'r');
    await store.createModelVersion('alpha', 's', 'r');
    await store.setModelVersionTag('zeta', '1', 'fraudctl.roc_auc', '0.91');
    await store.setModelVersionTag('zeta', '1', 'fraudctl.roc_auc', '0.93');
    expect(readFileSync(join(root, 'models', 'zeta', 'version-1', 'tags', 'fraudctl.roc_auc'), 'utf8')).toBe('0.93');
    expect((await store.getModelVersion('zeta', '1')).tags).toEqual({ 'fraudctl.roc_auc': '0.93' });
    expect((await store.listRegisteredModels()).map((m) => m.name)).toEqual(['alpha', 'zeta']);
    await expect(store.createModelVersion('a/b', 's', 'r')).rejects.toMatchObject({ exitCode: 2 });
  });

  it('concurrent registrations get distinct versions', async () => {
    const { store } = await openStore();
    const made = await Promise.all([1, 2, 3, 4].map((i) => store.createModelVersion('m', `s${i}`, `r${i}`)));
    expect(made.map((v) => v.version).sort()).toEqual(['1', '2', '3', '4']);
    const sources = (await store.listModelVersions('m')).map((v) => v.source).sort();
    expect(sources).toEqual(['s1', 's2', 's3', 's4']);
  });
});
