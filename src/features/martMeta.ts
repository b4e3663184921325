import { sqlString, type Db } from '../lake/db.js';
import type { Lake } from '../lake/lake.js';
import { ExitCode, FraudctlError } from '../errors.js';
import type { Day } from '../util/dates.js';
import { martUsesDelay, type FeatureSpec, type MartDef } from './featureSpec.js';
import { martDataset } from './loadFeatureSpec.js';
import { DEFAULT_PRESET } from './presets.js';
import { readFailure } from './dayList.js';

/** What a mart partition records about how it was built (parquet key-value metadata). */
export interface MartMeta {
  spec: string;
  specHash: string;
  delay: number;
  windowEnd: Day;
  missingHistory: Day[];
}

export const KV = {
  delay: 'fraudctl.delay',
  windowEnd: 'fraudctl.window_end',
  missing: 'fraudctl.missing_history',
  spec: 'fraudctl.spec',
  specHash: 'fraudctl.spec_hash',
} as const;

/** Key-value metadata of one parquet file. */
export async function readKv(db: Db, path: string): Promise<Record<string, string>> {
  const kv = await db.all<{ k: string; v: string }>(`SELECT CAST(key AS VARCHAR) AS k, CAST(value AS VARCHAR) AS v FROM parquet_kv_metadata(${sqlString(path)})`);
  return Object.fromEntries(kv.map((r) => [r.k, r.v]));
}

/**
 * Marts written before specs existed carry no spec keys; they were built by the handbook's
 * definitions, so they count as the default preset (whatever its hash is now).
 */
function specOf(kv: Record<string, string>): { spec: string; specHash: string | undefined } {
  return kv[KV.spec] ? { spec: kv[KV.spec], specHash: kv[KV.specHash] } : { spec: DEFAULT_PRESET, specHash: undefined };
}

export function parseMartMeta(kv: Record<string, string>): MartMeta {
  const { spec, specHash } = specOf(kv);
  return { spec, specHash: specHash ?? '', delay: Number(kv[KV.delay] ?? NaN), windowEnd: kv[KV.windowEnd] ?? '', missingHistory: kv[KV.missing] ? kv[KV.missing].split(',') : [] };
}

/** Why an existing mart partition may not be reused for (spec, delay), or undefined when it may. */
export function metaMismatch(kv: Record<string, string>, spec: FeatureSpec, mart: MartDef, delay: number): string | undefined {
  const { spec: name, specHash } = specOf(kv);
  const hashOk = specHash === undefined ? spec.name === DEFAULT_PRESET && name === DEFAULT_PRESET : specHash === spec.hash;
  const built = Number(kv[KV.delay]);
  const delayOk = !martUsesDelay(mart) || built === delay;
  if (hashOk && delayOk) return undefined;
  const was = `spec ${name}${specHash ? `@${specHash}` : ' (before specs)'}, delay ${Number.isFinite(built) ? built : 'unknown'}`;
  return `built with ${was}; asked: spec ${spec.name}@${spec.hash}, delay ${delay}`;
}

/**
 * Why the existing mart partition of `day` may not be reused for (spec, delay); undefined when it
 * may, or when there is none.
 */
export async function existingMartMismatch(db: Db, lake: Lake, spec: FeatureSpec, mart: MartDef, day: Day, delay: number): Promise<string | undefined> {
  const ds = martDataset(spec, mart.entity);
  if (!(await lake.has(ds, day))) return undefined;
  const [path] = await lake.pathsForRead(ds, [day]);
  try {
    return metaMismatch(await readKv(db, path), spec, mart, delay);
  } catch (e) {
    throw readFailure(e, `${mart.entity} mart of ${day} (${lake.partitionUri(ds, day)})`);
  }
}

/** The exit-3 refusal of a mart built otherwise, naming both and the rebuild command. */
export function mismatchError(lake: Lake, spec: FeatureSpec, mart: MartDef, day: Day, delay: number, why: string, specRef = spec.name): FraudctlError {
  return new FraudctlError(`the ${mart.entity} mart of ${day} (${lake.partitionUri(martDataset(spec, mart.entity), day)}) exists but was ${why}`, ExitCode.Data, {
    hint: `rebuild it: fraudctl marts build --date ${day} --features ${specRef} --delay ${delay} --overwrite`,
  });
}

/** Throws mismatchError for the first existing mart of `day` built with another spec or delay (never mixed in). */
export async function requireMatchingMarts(db: Db, lake: Lake, spec: FeatureSpec, day: Day, delay: number, specRef = spec.name): Promise<void> {
  for (const mart of spec.marts) {
    const why = await existingMartMismatch(db, lake, spec, mart, day, delay);
    if (why) throw mismatchError(lake, spec, mart, day, delay, why, specRef);
  }
}
