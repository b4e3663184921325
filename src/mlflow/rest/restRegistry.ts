import { randomUUID } from 'node:crypto';
import { ExitCode, FraudctlError, dataError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { ModelVersion, RegisteredModel } from '../tracker.js';
import { readModelVersion, readRegisteredModel, type MlflowApi, type WireModelVersion } from './api.js';
import { cleanValue, LOG_BATCH_LIMITS } from './batch.js';
import { MlflowApiError } from './http.js';

/** Tag with which a client-generated id marks a run or a model version before a retried create. */
export const INVOCATION_TAG = 'fraudctl.invocation_id';

export interface RegistryDeps {
  log: Logger;
  secrets: readonly string[];
  sleep: (ms: number) => Promise<void>;
  /** Poll every `pollMs` until READY, for at most `readyTimeoutMs`. */
  pollMs: number;
  readyTimeoutMs: number;
  /** The server, for messages. */
  uri: string;
}

/** The model registry over REST: aliases only, the stages deprecated since MLflow 2.9 are never used. */
export class RestRegistry {
  constructor(
    readonly api: MlflowApi,
    private readonly d: RegistryDeps,
  ) {}

  /**
   * Registers a version (creating the registered model if needed) and waits until it is READY.
   * A retried model-versions/create first looks for its invocation id, as runs/create does.
   */
  async createModelVersion(name: string, source: string, runId: string, tags: Record<string, string> = {}): Promise<ModelVersion> {
    checkModelName(name);
    try {
      await this.api.createRegisteredModel(name);
    } catch (e) {
      if (!(e instanceof MlflowApiError && e.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw e;
    }
    const invocationId = randomUUID();
    const wireTags = Object.entries({ ...tags, [INVOCATION_TAG]: invocationId }).map(([key, value]) => ({ key, value: this.clean(key, value) }));
    const req = { name, source, run_id: runId, tags: wireTags };
    let mv: WireModelVersion = await this.api.http.withRetries('POST model-versions/create', async (attempt) => {
      if (attempt > 0) {
        const { versions } = await this.api.searchModelVersions(`run_id = ${quote(runId)}`, undefined, true);
        const mine = versions.find((v) => v.name === name && v.tags?.some((t) => t.key === INVOCATION_TAG && t.value === invocationId));
        if (mine) return mine;
      }
      return this.api.createModelVersion(req, true);
    });
    const polls = Math.ceil(this.d.readyTimeoutMs / this.d.pollMs);
    for (let i = 0; mv.status === 'PENDING_REGISTRATION'; i++) {
      if (i >= polls) throw new FraudctlError(`model ${name} version ${mv.version} still PENDING_REGISTRATION after ${(polls * this.d.pollMs) / 1000} s`, ExitCode.Unavailable);
      await this.d.sleep(this.d.pollMs);
      mv = await this.api.getModelVersion(name, String(mv.version));
    }
    if (mv.status === 'FAILED_REGISTRATION') {
      throw new FraudctlError(`registration of model ${name} version ${mv.version} failed on the server: ${mv.status_message ?? 'no reason given'}`, ExitCode.Unavailable);
    }
    return readModelVersion(mv);
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    try {
      return readModelVersion(await this.api.getModelVersion(name, version));
    } catch (e) {
      if (e instanceof MlflowApiError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST') throw dataError(`registered model '${name}' has no version ${version} on ${this.d.uri}`);
      throw e;
    }
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion | undefined> {
    checkAlias(alias);
    try {
      return readModelVersion(await this.api.getModelVersionByAlias(name, alias));
    } catch (e) {
      // Unknown model: 404. Unknown alias: a 2.x server answers 400 INVALID_PARAMETER_VALUE.
      if (isAbsent(e)) return undefined;
      throw e;
    }
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    checkAlias(alias);
    await this.api.setAlias(name, alias, version);
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    checkAlias(alias);
    try {
      await this.api.deleteAlias(name, alias);
    } catch (e) {
      if (!isAbsent(e)) throw e;
    }
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    await this.api.setModelVersionTag(name, version, key, this.clean(key, value));
  }

  async listModelVersions(name: string): Promise<ModelVersion[]> {
    checkModelName(name);
    const model = await this.api.getRegisteredModel(name);
    if (!model) return [];
    const aliases = readRegisteredModel(model).aliases;
    const out: ModelVersion[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.api.searchModelVersions(`name = ${quote(name)}`, pageToken);
      out.push(...page.versions.map(readModelVersion));
      pageToken = page.nextPageToken;
    } while (pageToken);
    // Some servers leave aliases out of search results; the registered model has them all.
    for (const v of out) v.aliases = Object.entries(aliases).filter(([, ver]) => ver === v.version).map(([a]) => a).sort();
    return out.sort((a, b) => Number(b.version) - Number(a.version));
  }

  async listRegisteredModels(): Promise<RegisteredModel[]> {
    const out: RegisteredModel[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.api.searchRegisteredModels(pageToken);
      out.push(...page.models.map(readRegisteredModel));
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out;
  }

  private clean(key: string, value: string): string {
    return cleanValue('tag', key, value, LOG_BATCH_LIMITS.tagValue, this.d.secrets, this.d.log);
  }
}

const isAbsent = (e: unknown) => e instanceof MlflowApiError && (e.errorCode === 'RESOURCE_DOES_NOT_EXIST' || e.errorCode === 'INVALID_PARAMETER_VALUE');

/** A string literal of MLflow's search grammar; values with quotes are refused rather than guessed at. */
export function quote(v: string): string {
  if (v.includes("'")) throw new FraudctlError(`MLflow search values cannot contain a single quote: ${v}`, ExitCode.Usage);
  return `'${v}'`;
}

function checkModelName(name: string): void {
  if (name === '' || name.includes("'")) throw new FraudctlError(`invalid registered model name '${name}' (non-empty, no single quotes)`, ExitCode.Usage);
}

/** MLflow's alias rules: [\w-]*, at most 255 characters, not 'latest', not v<digits>. */
export function checkAlias(alias: string): void {
  if (!/^[\w-]{1,255}$/.test(alias) || alias.toLowerCase() === 'latest' || /^[vV]\d+$/.test(alias)) {
    throw new FraudctlError(`invalid model alias '${alias}': letters, digits, _ and - (at most 255), not 'latest' or v<number>`, ExitCode.Usage);
  }
}
