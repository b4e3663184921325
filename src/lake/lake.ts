import type { Day } from '../util/dates.js';

/** The datasets of the lake (DESIGN.md §2); each is daily-partitioned, one data.parquet per day. */
export const DATASETS = ['transactions', 'features/customer', 'features/terminal', 'scores', 'quarantine'] as const;
/** Marts of feature specs other than the default live under features/<spec>/<entity> (src/features/loadFeatureSpec.ts). */
export type Dataset = (typeof DATASETS)[number] | `features/${string}`;

export function partitionKey(ds: Dataset, day: Day): string {
  return `${ds}/date=${day}/data.parquet`;
}

/**
 * A lake root: local directory or S3 prefix. Commands read and write partitions only through this,
 * so the same code runs on both.
 */
export interface Lake {
  /** As the user wrote it: './lake' or 's3://bucket/prefix'. */
  readonly uri: string;
  readonly kind: 'local' | 's3';
  /** Days that have a complete partition of the dataset, sorted ascending; a local lake that does not exist is exit 2 naming it. */
  listDays(ds: Dataset): Promise<Day[]>;
  /** Names of the folders directly under `prefix` (e.g. 'features': the specs with marts), sorted; [] when none. */
  listFolders(prefix: string): Promise<string[]>;
  has(ds: Dataset, day: Day): Promise<boolean>;
  /**
   * Paths DuckDB can read for exactly these partitions, in the order given: local files, cached
   * local copies (S3 sync mode) or s3:// URLs (httpfs mode). Every day must exist (check first).
   */
  pathsForRead(ds: Dataset, days: Day[]): Promise<string[]>;
  /**
   * Atomic write of one partition: `produce` writes a parquet file at a local temporary path; the
   * lake then publishes it (rename, or one upload). If either step fails the previous partition
   * is intact and nothing half-written is visible.
   */
  writePartition(ds: Dataset, day: Day, produce: (tmpPath: string) => Promise<void>): Promise<void>;
  /**
   * Removes what writers of this partition that died (kill -9) left behind. writePartition does it
   * before each write; a command that skips a partition (it exists) but owns its folder calls this,
   * so a write that is never retried leaves nothing either. S3 lakes stage in their cache's tmp
   * folder, which every write sweeps, so they need none.
   */
  removeDeadTemps?(ds: Dataset, day: Day): Promise<void>;
  /** Deletes one partition (a cache's: the window states a later build can no longer use). Local lakes only. */
  removePartition?(ds: Dataset, day: Day): Promise<void>;
  /** Where a partition lives, for messages. */
  partitionUri(ds: Dataset, day: Day): string;
  /**
   * Fails (exit 2) when the lake cannot be written. A local lake that does not exist is created
   * with `create` (simulate, ingest, the target of lake sync) and refused without it (marts build
   * on a typo must not make a new, empty lake).
   */
  ensureWritable(o?: { create?: boolean }): Promise<void>;
  /**
   * An exclusive lock named `name`, held in the lake itself (a lock file in a local lake, a lock
   * object in the bucket), so that every process using this lake — any working directory, any
   * machine — sees it. Refused with exit 4 while another live owner holds it.
   */
  lock(name: string, what: string, log?: import('../log.js').Logger): Promise<import('../util/lock.js').Lock>;
  /** DuckDB settings this lake needs (httpfs secret in S3 httpfs mode). */
  configureDb?(db: import('./db.js').Db): Promise<void>;
}
