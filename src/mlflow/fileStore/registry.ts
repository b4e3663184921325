import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { dataError } from '../../errors.js';
import type { ModelVersion, RegisteredModel } from '../tracker.js';
import { createFileOnce, errCode, keyPath, listDirs, readKeyValues, readYamlIfExists, tmpPath, writeFileAtomic, writeYamlAtomic } from './files.js';
import { META, MODELS } from './layout.js';
import type { ValueCleaner } from './runs.js';
import { toPyYaml } from './pyFormat.js';
import { validateAlias, validateModelName, validateVersion } from './validate.js';

/**
 * The model registry of MLflow 2.x's file store (mlflow/store/model_registry/file_store.py):
 *
 *   models/<name>/meta.yaml             name, timestamps, description, aliases (a copy)
 *   models/<name>/aliases/<alias>       the version number as text: the aliases MLflow reads
 *   models/<name>/tags/<key>
 *   models/<name>/version-<n>/meta.yaml  version as an integer, status READY, current_stage None
 *   models/<name>/version-<n>/tags/<key>
 */
const DELETED_STAGE = 'Deleted_Internal';

export class RegistryFiles {
  constructor(
    private readonly root: string,
    private readonly now: () => number,
    private readonly clean: ValueCleaner,
  ) {}

  private modelDir(name: string): string {
    validateModelName(name);
    return join(this.root, MODELS, name);
  }

  /** Creates models/<name> when absent; safe when two processes do it at once. */
  private async ensureModel(name: string): Promise<string> {
    const dir = this.modelDir(name);
    await mkdir(dir, { recursive: true });
    const t = this.now();
    await createFileOnce(join(dir, META), toPyYaml({ aliases: {}, creation_timestamp: t, description: null, last_updated_timestamp: t, name }), dir);
    return dir;
  }

  /** Rewrites the model's meta.yaml with a new last_updated_timestamp and the aliases on disk. */
  private async touchModel(dir: string): Promise<void> {
    const meta = (await readYamlIfExists(join(dir, META))) ?? {};
    meta.last_updated_timestamp = this.now();
    meta.aliases = await readKeyValues(join(dir, 'aliases'));
    await writeYamlAtomic(join(dir, META), meta, dir);
  }

  async createVersion(name: string, source: string, runId: string, tags: Record<string, string> = {}): Promise<ModelVersion> {
    const clean = Object.entries(tags).map(([k, v]) => [k, this.clean.tag(k, v)] as const);
    const dir = await this.ensureModel(name);
    const versions = await this.versionNumbers(dir);
    let n = versions.length > 0 ? Math.max(...versions) + 1 : 1;
    // The version folder is built aside, then renamed into place: rename fails when another
    // process took version-<n> first (the folder is not empty), and we try n + 1.
    for (let attempt = 0; attempt < 50; attempt++, n++) {
      const tmp = tmpPath(dir);
      const t = this.now();
      await mkdir(tmp);
      try {
        for (const [k, v] of clean) await writeFileAtomic(keyPath(join(tmp, 'tags'), k), v, tmp);
        const meta = {
          aliases: [],
          creation_timestamp: t,
          current_stage: 'None',
          description: null,
          last_updated_timestamp: t,
          name,
          run_id: runId,
          run_link: null,
          source,
          status: 'READY',
          status_message: null,
          storage_location: source,
          user_id: null,
          version: n,
        };
        await writeYamlAtomic(join(tmp, META), meta, tmp);
        await rename(tmp, join(dir, `version-${n}`));
      } catch (e) {
        await rm(tmp, { recursive: true, force: true });
        if (errCode(e) === 'ENOTEMPTY' || errCode(e) === 'EEXIST') continue;
        throw e;
      }
      await this.touchModel(dir);
      return this.getVersion(name, String(n));
    }
    throw dataError(`could not allocate a new version of registered model '${name}'`);
  }

  private async versionNumbers(dir: string): Promise<number[]> {
    return (await listDirs(dir)).filter((d) => /^version-\d+$/.test(d)).map((d) => Number(d.slice('version-'.length)));
  }

  private async readVersion(modelDir: string, n: number): Promise<ModelVersion | undefined> {
    const vdir = join(modelDir, `version-${n}`);
    const meta = await readYamlIfExists(join(vdir, META));
    if (!meta || meta.current_stage === DELETED_STAGE) return undefined;
    const aliases = await readKeyValues(join(modelDir, 'aliases'));
    return {
      name: String(meta.name),
      version: String(meta.version),
      source: String(meta.source ?? ''),
      ...(meta.run_id ? { runId: String(meta.run_id) } : {}),
      status: (meta.status as ModelVersion['status'] | undefined) ?? 'READY',
      creationTimestamp: Number(meta.creation_timestamp),
      tags: await readKeyValues(join(vdir, 'tags')),
      aliases: Object.keys(aliases).filter((a) => aliases[a].trim() === String(n)),
    };
  }

  async getVersion(name: string, version: string): Promise<ModelVersion> {
    const n = validateVersion(version);
    const mv = await this.readVersion(this.modelDir(name), n);
    if (!mv) throw dataError(`model version ${name}/${version} does not exist in the registry ${this.root}`);
    return mv;
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion | undefined> {
    validateAlias(alias);
    const dir = this.modelDir(name);
    const version = (await readKeyValues(join(dir, 'aliases')))[alias];
    if (version === undefined) return undefined;
    return this.readVersion(dir, validateVersion(version.trim()));
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    validateAlias(alias);
    const dir = this.modelDir(name);
    await this.getVersion(name, version);
    await writeFileAtomic(join(dir, 'aliases', alias), String(validateVersion(version)), dir);
    await this.touchModel(dir);
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    validateAlias(alias);
    const dir = this.modelDir(name);
    await rm(join(dir, 'aliases', alias), { force: true });
    if (await readYamlIfExists(join(dir, META))) await this.touchModel(dir);
  }

  async setVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    const clean = this.clean.tag(key, value);
    await this.getVersion(name, version);
    const dir = this.modelDir(name);
    const vdir = join(dir, `version-${validateVersion(version)}`);
    await writeFileAtomic(keyPath(join(vdir, 'tags'), key), clean, vdir);
    await this.touchModel(dir);
  }

  /** Newest first; [] when the model does not exist. */
  async listVersions(name: string): Promise<ModelVersion[]> {
    const dir = this.modelDir(name);
    const out: ModelVersion[] = [];
    for (const n of (await this.versionNumbers(dir)).sort((a, b) => b - a)) {
      const mv = await this.readVersion(dir, n);
      if (mv) out.push(mv);
    }
    return out;
  }

  /** By name, as MLflow lists them. */
  async listModels(): Promise<RegisteredModel[]> {
    const out: RegisteredModel[] = [];
    for (const name of await listDirs(join(this.root, MODELS))) {
      const dir = join(this.root, MODELS, name);
      if (!(await readYamlIfExists(join(dir, META)))) continue;
      const latest = (await this.listVersions(name))[0];
      const aliases = Object.fromEntries(Object.entries(await readKeyValues(join(dir, 'aliases'))).map(([a, v]) => [a, v.trim()]));
      out.push({ name, aliases, ...(latest ? { latestVersion: latest.version } : {}) });
    }
    return out;
  }
}
