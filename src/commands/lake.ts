import type { Db } from '../lake/db.js';
import { footerRowCounts } from '../lake/corruptPartition.js';
import { DATASETS, type Dataset, type Lake } from '../lake/lake.js';
import { specMartDatasets } from '../features/specMarts.js';
import { addDays, dayRange, type Day } from '../util/dates.js';
import { examples } from './args.js';
import { addLakeSync, DATASET_OPTION } from './lakeSync.js';
import { action } from './action.js';
import { addOptions } from './optionTable.js';
import { withPipeline } from './pipeline.js';
import type { CommandDef } from './types.js';

export interface DatasetListing {
  dataset: Dataset;
  /** Marts only: the feature spec they were built for (the default preset at features/<entity>) and the entity. */
  spec?: string;
  entity?: 'customer' | 'terminal';
  partitions: { date: Day; rows: number }[];
  rows: number;
  /** First and last day present; null when the dataset is empty. */
  first: Day | null;
  last: Day | null;
  /** Days between first and last without a partition, ascending. */
  missing: Day[];
  /** Marts only: the window states of the incremental builder (features/…/<entity>/_state), a cache beside the marts. */
  windowStates?: { partitions: number; first: Day | null; last: Day | null };
}

/**
 * What `lake ls` lists: one dataset when asked, else every dataset of DESIGN.md §2 with the marts
 * of every feature spec in the lake (features/<spec>/<entity> beside the default preset's) in
 * place of the two default mart datasets.
 */
type ToList = { dataset: Dataset; spec?: string; entity?: 'customer' | 'terminal' };
async function datasetsToList(lake: Lake, only?: Dataset): Promise<ToList[]> {
  const marts: ToList[] = await specMartDatasets(lake);
  if (only) return [marts.find((m) => m.dataset === only) ?? { dataset: only }];
  return DATASETS.flatMap((dataset): ToList[] => (dataset === 'features/customer' ? marts : dataset === 'features/terminal' ? [] : [{ dataset }]));
}

/**
 * Partitions of each dataset with row counts read from the parquet footers (DuckDB's
 * parquet_file_metadata, no data pages read), the date range and the holes in it. Works on any
 * Lake: it only uses listFolders, listDays and pathsForRead.
 */
export async function listLake(lake: Lake, db: Db, only?: Dataset): Promise<DatasetListing[]> {
  await lake.configureDb?.(db);
  const out: DatasetListing[] = [];
  for (const { dataset, ...mart } of await datasetsToList(lake, only)) {
    const days = await lake.listDays(dataset);
    const paths = await lake.pathsForRead(dataset, days);
    // An unreadable partition is exit 3 naming the files and how to rewrite them (src/lake/corruptPartition.ts).
    const counts = await footerRowCounts(db, paths);
    const partitions = days.map((date, i) => ({ date, rows: counts.get(paths[i]) ?? 0 }));
    const first = days[0] ?? null;
    const last = days.at(-1) ?? null;
    const present = new Set(days);
    const missing = first && last ? dayRange(first, last).filter((d) => !present.has(d)) : [];
    const entry: DatasetListing = { dataset, ...mart, partitions, rows: partitions.reduce((s, p) => s + p.rows, 0), first, last, missing };
    if (mart.spec) {
      const states = await lake.listDays(`${dataset as `features/${string}`}/_state`);
      entry.windowStates = { partitions: states.length, first: states[0] ?? null, last: states.at(-1) ?? null };
    }
    out.push(entry);
  }
  return out;
}

/** Consecutive days folded into ranges: 2025-01-03..2025-01-05, 2025-01-09. */
export function foldDays(days: readonly Day[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < days.length; ) {
    let j = i;
    while (j + 1 < days.length && days[j + 1] === addDays(days[j], 1)) j++;
    out.push(i === j ? days[i] : `${days[i]}..${days[j]}`);
    i = j + 1;
  }
  return out;
}

/** `fraudctl lake ls`. */
export const LAKE_LS_OPTIONS = { dataset: DATASET_OPTION };

export const lakeCommand: CommandDef = (program, run) => {
  const lake = program.command('lake').description('inspect the lake and copy it between local disk and S3');
  addOptions(lake.command('ls').description('list the daily partitions of each dataset with row counts, the date range and missing days; the marts of every feature spec in the lake, each with its spec name'), LAKE_LS_OPTIONS)
    .addHelpText('after', examples('fraudctl lake ls', 'fraudctl lake ls --dataset transactions --json', 'fraudctl lake ls --lake s3://bucket/lake'))
    .action(
      action(run, LAKE_LS_OPTIONS, async (o, ctx) => {
        // withPipeline also configures DuckDB for the lake (the httpfs secret on S3).
        const { lakeHandle, listing } = await withPipeline(ctx, {}, async ({ lake: lakeHandle, db }) => ({
          lakeHandle,
          listing: await listLake(lakeHandle, db, o.dataset),
        }));
        ctx.out.line(`lake ${lakeHandle.uri}`);
        for (const ds of listing) printDataset(ctx.out, ds);
        return { lake: lakeHandle.uri, datasets: listing };
      }),
    );
  addLakeSync(lake, run);
};

function printDataset(out: { line(t?: string): void; table(h: string[], r: (string | number)[][]): void }, ds: DatasetListing): void {
  out.line();
  const name = ds.spec ? `${ds.dataset} (${ds.entity} marts of spec ${ds.spec})` : ds.dataset;
  if (ds.partitions.length === 0) {
    out.line(`${name}: no partitions`);
    return;
  }
  out.line(`${name}: ${ds.partitions.length} partitions, ${ds.first} … ${ds.last}, ${ds.rows.toLocaleString('en-US')} rows`);
  out.table(['date', 'rows'], ds.partitions.map((p) => [p.date, p.rows]));
  out.line(ds.missing.length === 0 ? 'missing days: none' : `missing days (${ds.missing.length}): ${foldDays(ds.missing).join(', ')}`);
  const st = ds.windowStates;
  if (st && st.partitions > 0) out.line(`window states (${ds.dataset}/_state, the incremental builder's cache): ${st.partitions} day${st.partitions === 1 ? '' : 's'}, ${st.first} … ${st.last}`);
}
