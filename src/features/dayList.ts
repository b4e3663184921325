import { environmentError } from '../util/environmentError.js';
import { corruptPartitionError } from '../lake/corruptPartition.js';
import { ExitCode, FraudctlError } from '../errors.js';
import { addDays, type Day } from '../util/dates.js';

/** Sorted days as short runs: '2025-01-01…2025-01-05, 2025-01-09' (messages stay one line). */
export function formatDays(days: readonly Day[]): string {
  const sorted = [...new Set(days)].sort();
  const runs: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === addDays(sorted[j], 1)) j += 1;
    runs.push(j === i ? sorted[i] : `${sorted[i]}…${sorted[j]}`);
    i = j + 1;
  }
  return runs.length > 0 ? runs.join(', ') : '(none)';
}

/**
 * A DuckDB failure while reading lake partitions, as the error fraudctl reports: unreadable or
 * wrongly shaped parquet is bad input data (exit 3), an HTTP failure is an unavailable store
 * (exit 4). Anything else stays a bug.
 */
export function readFailure(e: unknown, what: string): unknown {
  if (e instanceof FraudctlError || !(e instanceof Error)) return e;
  const refused = environmentError(e); // a full disk or read-only mount under a write is not bad input
  if (refused) return refused;
  const corrupt = corruptPartitionError(e, what); // names the file and the command that rewrites it
  if (corrupt) return corrupt;
  const first = e.message.split('\n')[0];
  if (/HTTP|Could not establish connection/i.test(first)) return new FraudctlError(`${what}: ${first}`, ExitCode.Unavailable, { cause: e });
  if (/^(IO|Invalid Input|Binder|Conversion|Invalid) Error/i.test(first) || /parquet/i.test(first)) {
    return new FraudctlError(`${what}: ${first}`, ExitCode.Data, { cause: e, hint: 'the transaction partitions must be parquet with the columns listed in the README section "The lake"' });
  }
  return e;
}
