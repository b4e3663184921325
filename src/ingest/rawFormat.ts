import { TRANSACTION_COLUMNS } from '../features/spec.js';

/**
 * The course's raw dump format (domain.md §3.1): a header line
 * `# tranaction_id | tx_datetime | … | tx_fraud_scenario` (typo included), then 9 comma-separated
 * fields per line, no quotes: the lake's transaction columns, in the same order.
 */
export const RAW_COLUMNS = TRANSACTION_COLUMNS;
export type RawColumn = (typeof RAW_COLUMNS)[number];

export const RAW_HEADER = '# tranaction_id | tx_datetime | customer_id | terminal_id | tx_amount | tx_time_seconds | tx_time_days | tx_fraud | tx_fraud_scenario';

/** Bytes read to find the header line; a longer first line is not a header. */
export const HEADER_MAX_BYTES = 64 * 1024;

/**
 * Why `firstLine` is not an accepted header, or undefined when it is. Accepted: the names above
 * separated by `|` (the dumps) or `,`, with or without the leading `#`, with `tranaction_id` or
 * `transaction_id` first; surrounding spaces and a trailing `\r` are ignored.
 */
export function headerProblem(firstLine: string): string | undefined {
  const names = firstLine
    .replace(/\r$/, '')
    .replace(/^\s*#/, '')
    .split(/[|,]/)
    .map((s) => s.trim().toLowerCase());
  if (names[0] === 'tranaction_id') names[0] = 'transaction_id';
  if (names.length === RAW_COLUMNS.length && names.every((n, i) => n === RAW_COLUMNS[i])) return undefined;
  return `expected the header '${RAW_HEADER}', found '${printable(firstLine, 120)}'`;
}

/** A line fit for an error message: control and non-ASCII bytes escaped, cut at `max` chars. */
export function printable(text: string, max = 200): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(/[^\x20-\x7e…]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
