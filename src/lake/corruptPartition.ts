import { ExitCode, FraudctlError } from '../errors.js';
import type { Db } from './db.js';
import { sqlString } from './db.js';
import { DATASETS } from './lake.js';

/**
 * The inverse of partitionKey: `…/<dataset>/date=D/data.parquet` for any of DATASETS, marts of a
 * non-default spec (`features/<spec>/customer`) included.
 */
const PARTITION_PATH = new RegExp(
  `(?:^|/)(${DATASETS.map((d) => d.replace(/^features\//, 'features/(?:[^/]+/)?')).join('|')})/date=(\\d{4}-\\d{2}-\\d{2})/data\\.parquet$`,
);

/** The dataset and day of a partition file path, if it is one. */
export function partitionOfPath(path: string): { dataset: string; day: string } | undefined {
  const m = PARTITION_PATH.exec(path);
  return m ? { dataset: m[1], day: m[2] } : undefined;
}

/** How to replace one unreadable partition: the command that writes it again. */
export function repairHint(dataset: string, day: string): string {
  const mart = /^features\/(?:([^/]+)\/)?(customer|terminal)$/.exec(dataset);
  if (mart) return `rebuild that mart: fraudctl marts build --date ${day} --overwrite${mart[1] ? ` --features ${mart[1]}` : ''}`;
  if (dataset === 'scores') return `score the day again (it replaces the partition): fraudctl score --date ${day}`;
  return `replace the day's partition: fraudctl ingest FILE --overwrite with the day's source file, or delete ${dataset}/date=${day} and simulate or ingest it again (README "The lake")`;
}

/** The file a DuckDB read error names, when it is a lake partition. */
function namedPartition(message: string): string | undefined {
  return /'([^']+\/date=\d{4}-\d{2}-\d{2}\/data\.parquet)'/.exec(message)?.[1];
}

/**
 * A DuckDB error about an unreadable partition file (truncated, not parquet, bad footer) as bad
 * data (exit 3) naming the file and how to write it again; undefined when the error names no
 * partition or is not about the file's format.
 */
export function corruptPartitionError(e: unknown, what?: string): FraudctlError | undefined {
  if (!(e instanceof Error) || e instanceof FraudctlError) return undefined;
  const first = e.message.split('\n')[0];
  const file = namedPartition(first);
  const part = file && partitionOfPath(file);
  if (!part || !/magic bytes|too small|not a parquet|corrupt|Invalid Input Error|IO Error: .*parquet|footer|Thrift|metadata/i.test(first)) return undefined;
  const reason = first.replace(/^(Invalid Input|IO) Error: /, '').replace(/\s*'[^']*'/g, '').trim();
  const context = what?.replace(` (${file})`, '');
  return new FraudctlError(`unreadable partition ${file}${context ? ` (${context})` : ''}: ${reason}`, ExitCode.Data, { hint: repairHint(part.dataset, part.day), cause: e });
}

/**
 * Row counts from the parquet footers of `paths` (no data pages read). An unreadable file is exit
 * 3 naming every unreadable one, with the command that rewrites the first.
 */
export async function footerRowCounts(db: Db, paths: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (paths.length === 0) return counts;
  const read = (ps: readonly string[]) => db.all<{ file_name: string; num_rows: bigint }>(`SELECT file_name, num_rows FROM parquet_file_metadata([${ps.map(sqlString).join(', ')}])`);
  try {
    for (const r of await read(paths)) counts.set(r.file_name, Number(r.num_rows));
    return counts;
  } catch (e) {
    if (!corruptPartitionError(e)) throw e;
  }
  // One file at a time, to name every bad one rather than the first DuckDB met.
  const bad: string[] = [];
  for (const p of paths) {
    try {
      for (const r of await read([p])) counts.set(r.file_name, Number(r.num_rows));
    } catch (e) {
      if (!corruptPartitionError(e)) throw e;
      bad.push(p);
    }
  }
  const part = partitionOfPath(bad[0])!;
  throw new FraudctlError(`${bad.length} unreadable partition file(s) (not parquet or truncated): ${bad.join(', ')}`, ExitCode.Data, { hint: repairHint(part.dataset, part.day) });
}
