import type { Output } from '../output.js';
import type { Day } from '../util/dates.js';
import type { IngestSummary } from './ingest.js';
import { REASONS } from './rules.js';

/** The human report of an ingest run (the --json summary carries the same numbers). */
export function printIngestReport(out: Output, s: IngestSummary): void {
  const n = (x: number) => x.toLocaleString('en-US');
  out.table(
    ['file', 'rows read', 'first day', 'last day'],
    s.files.map((f) => [f.file, f.rowsRead, f.firstDay ?? '-', f.lastDay ?? '-']),
  );
  out.line();
  const rows: [string, number][] = [
    ['rows read', s.rowsRead],
    ['kept', s.rowsKept],
    ['quarantined', s.rowsQuarantined],
    ...REASONS.filter((r) => s.quarantinedByReason[r.reason] > 0).map((r): [string, number] => [`  ${r.reason}`, s.quarantinedByReason[r.reason]]),
    ['exact duplicates dropped', s.duplicatesDropped],
    [s.rules.fixHour24 ? '24:00:00 fixed to next day' : '24:00:00 rows (not fixed)', s.hour24Rows],
    [`tx_time_seconds ${s.rules.recomputeTime ? 'recomputed' : 'disagreeing (kept)'}`, s.timeSecondsMismatched],
    [`tx_time_days ${s.rules.recomputeTime ? 'recomputed' : 'disagreeing (kept)'}`, s.timeDaysMismatched],
  ];
  out.table(['rows', 'count'], rows);
  out.line();
  const verb = s.dryRun ? 'would be ' : '';
  const list = (days: Day[]) => (days.length === 0 ? '-' : days.length <= 3 ? days.join(', ') : `${days[0]} … ${days[days.length - 1]}`);
  out.table(
    ['days', 'count', 'which'],
    (['written', 'replaced', 'merged', 'skipped'] as const).map((a) => [`${verb}${a}`, s.days[a].length, list(s.days[a])]),
  );
  out.line();
  out.line(
    `${s.dryRun ? 'dry run, nothing written: ' : ''}${n(s.rowsWritten)} rows ${s.dryRun ? 'to write' : 'written'}, ${n(s.quarantineRowsWritten)} quarantined rows ${s.dryRun ? 'to write' : 'written'}` +
      `${s.rowsSkipped > 0 ? `, ${n(s.rowsSkipped)} rows in skipped days (use --overwrite to replace them)` : ''}; ${s.seconds} s`,
  );
}
