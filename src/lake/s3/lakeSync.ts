import { copyFile, stat } from 'node:fs/promises';
import { ExitCode, FraudctlError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { throwIfAborted } from '../../sim/interrupt.js';
import type { Day } from '../../util/dates.js';
import type { Dataset, Lake } from '../lake.js';
import type { PartitionObject } from '../s3Lake.js';
import { mapLimit } from './mapLimit.js';
import { md5File } from './upload.js';

export interface LakeSyncOptions {
  datasets: readonly Dataset[];
  /** Inclusive day range; all days of the source when absent. */
  fromDate?: Day;
  toDate?: Day;
  /** Copy partitions whose content is already identical too. */
  overwrite: boolean;
  log: Logger;
  signal?: AbortSignal;
  /** Partitions copied at once. */
  parallel?: number;
}

export interface SyncedPartition {
  dataset: Dataset;
  date: Day;
  action: 'copied' | 'skipped';
  /** Why: 'new', 'changed', 'identical', 'overwrite'. */
  reason: 'new' | 'changed' | 'identical' | 'overwrite';
  bytes: number;
}

export interface LakeSyncSummary {
  from: string;
  to: string;
  copied: number;
  skipped: number;
  bytes: number;
  partitions: SyncedPartition[];
}

/** Size and content MD5 of a partition; md5 undefined when the store cannot tell (a foreign multipart object). */
interface Fingerprint {
  size: number;
  md5?: string;
}

/** The S3 lake's methods lake sync needs beyond the Lake interface (S3Lake has them). */
interface ObjectLake extends Lake {
  head(ds: Dataset, day: Day): Promise<PartitionObject | undefined>;
  localCopies(ds: Dataset, days: Day[]): Promise<string[]>;
}

const isObjectLake = (l: Lake): l is ObjectLake => 'head' in l && 'localCopies' in l;

async function fingerprint(lake: Lake, ds: Dataset, day: Day): Promise<Fingerprint | undefined> {
  if (isObjectLake(lake)) {
    const h = await lake.head(ds, day);
    return h && { size: h.size, md5: h.md5 };
  }
  if (!(await lake.has(ds, day))) return undefined;
  const [path] = await lake.pathsForRead(ds, [day]);
  return { size: (await stat(path)).size, md5: await md5File(path) };
}

/** A local file holding the partition: the local lake's own file, or the S3 lake's cached copy. */
async function localFile(lake: Lake, ds: Dataset, day: Day): Promise<string> {
  const [path] = isObjectLake(lake) ? await lake.localCopies(ds, [day]) : await lake.pathsForRead(ds, [day]);
  return path;
}

/**
 * Copies the partitions of `from` to `to` (local → S3, S3 → local, or either to its own kind).
 * A partition whose size and MD5 match on both sides is skipped unless `overwrite`; one that
 * differs is replaced. Every copy is an atomic writePartition, so an interrupted sync leaves
 * each destination partition whole (old or new).
 */
export async function syncLakes(from: Lake, to: Lake, opts: LakeSyncOptions): Promise<LakeSyncSummary> {
  if (from.uri === to.uri) throw new FraudctlError(`lake sync: --from and --to are the same lake (${from.uri})`, ExitCode.Usage);
  await to.ensureWritable({ create: true });
  const partitions: SyncedPartition[] = [];
  for (const ds of opts.datasets) {
    const days = (await from.listDays(ds)).filter((d) => (opts.fromDate === undefined || d >= opts.fromDate) && (opts.toDate === undefined || d <= opts.toDate));
    const done = await mapLimit(days, opts.parallel ?? 4, async (day): Promise<SyncedPartition> => {
      throwIfAborted(opts.signal, 'lake sync');
      const [src, dst] = await Promise.all([fingerprint(from, ds, day), fingerprint(to, ds, day)]);
      if (!src) throw new FraudctlError(`${from.partitionUri(ds, day)} disappeared during the sync`, ExitCode.Data);
      const identical = dst !== undefined && dst.size === src.size && src.md5 !== undefined && dst.md5 === src.md5;
      const reason = dst === undefined ? 'new' : identical ? 'overwrite' : 'changed';
      if (identical && !opts.overwrite) return { dataset: ds, date: day, action: 'skipped', reason: 'identical', bytes: 0 };
      const file = await localFile(from, ds, day);
      await to.writePartition(ds, day, (tmp) => copyFile(file, tmp));
      opts.log.debug({ dataset: ds, day, bytes: src.size, reason }, `copied ${from.partitionUri(ds, day)} → ${to.partitionUri(ds, day)}`);
      return { dataset: ds, date: day, action: 'copied', reason, bytes: src.size };
    });
    const copied = done.filter((p) => p.action === 'copied').length;
    if (days.length > 0) opts.log.info({ dataset: ds, partitions: days.length, copied, skipped: days.length - copied }, `lake sync ${ds}: ${copied} copied, ${days.length - copied} identical`);
    partitions.push(...done);
  }
  const copied = partitions.filter((p) => p.action === 'copied');
  return {
    from: from.uri,
    to: to.uri,
    copied: copied.length,
    skipped: partitions.length - copied.length,
    bytes: copied.reduce((s, p) => s + p.bytes, 0),
    partitions,
  };
}
