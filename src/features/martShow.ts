import { readParquetList, type Db } from '../lake/db.js';
import type { Lake } from '../lake/lake.js';
import { ExitCode, FraudctlError } from '../errors.js';
import { addDays, type Day } from '../util/dates.js';
import { readFailure } from './dayList.js';
import { ENTITY_COLUMN, martUsesDelay, type Entity, type FeatureSpec } from './featureSpec.js';
import { martDataset, presetSpec } from './loadFeatureSpec.js';
import { parseMartMeta, readKv } from './martMeta.js';
import { DEFAULT_PRESET } from './presets.js';
import { columnWindowEnd } from './specMartSql.js';

export interface MartFeature {
  name: string;
  value: number;
  /** Inclusive transaction days the value covers. */
  from: Day;
  to: Day;
}

export interface MartEntityView {
  day: Day;
  mart: Entity;
  id: string;
  spec: string;
  specHash: string;
  /** False when the entity has no transaction in any window of the mart: every feature is 0. */
  found: boolean;
  /** The label delay the mart was built with (null when no column of it is behind the delay). */
  delay: number | null;
  /** Transaction days the mart's windows lacked when it was built (--allow-partial-history). */
  missingHistory: Day[];
  features: MartFeature[];
  uri: string;
}

/** One entity's row of a mart of `day`, with the window of each value. */
export async function showMartEntity(db: Db, lake: Lake, day: Day, entity: Entity, id: bigint, spec: FeatureSpec = presetSpec(DEFAULT_PRESET)): Promise<MartEntityView> {
  const mart = spec.marts.find((m) => m.entity === entity);
  if (!mart) throw new FraudctlError(`feature spec ${spec.name} has no ${entity} mart`, ExitCode.Usage);
  const ds = martDataset(spec, entity);
  const uri = lake.partitionUri(ds, day);
  if (!(await lake.has(ds, day))) {
    throw new FraudctlError(`no ${entity} mart of spec ${spec.name} for ${day} in ${lake.uri}`, ExitCode.Data, { hint: `build it first: fraudctl marts build --date ${day} --features ${spec.name}` });
  }
  const [path] = await lake.pathsForRead(ds, [day]);
  let kv: Record<string, string>;
  let rows: Record<string, unknown>[];
  try {
    kv = await readKv(db, path);
    rows = await db.all(`SELECT * FROM ${readParquetList([path])} WHERE ${ENTITY_COLUMN[entity]} = $id`, { id });
  } catch (e) {
    throw readFailure(e, `${entity} mart of ${day} (${uri})`);
  }
  const meta = parseMartMeta(kv);
  const delay = martUsesDelay(mart) ? meta.delay : null;
  if (delay !== null && !Number.isInteger(delay)) throw new FraudctlError(`${uri} does not record its label delay: rebuild it with fraudctl marts build --date ${day} --overwrite`, ExitCode.Data);
  const row = rows[0];
  const features = mart.columns.map((c) => {
    const to = columnWindowEnd(day, delay ?? 0, c.lagged);
    return { name: c.name, value: row ? Number(row[c.name]) : 0, from: addDays(to, -(c.days - 1)), to };
  });
  return { day, mart: entity, id: id.toString(), spec: meta.spec, specHash: meta.specHash, found: row !== undefined, delay, missingHistory: meta.missingHistory, features, uri };
}
