/**
 * Where each of the 15 features of a transaction on day D came from (DESIGN.md §3): the
 * transaction itself, the customer mart of D-1 (windows of n days ending D-1), or the terminal mart
 * of D-1 (windows of n days ending `delay` days earlier, since labels arrive late).
 */
import { addDays, type Day } from '../util/dates.js';

export function featureWindow(feature: string, day: Day, delay: number): string {
  const m = /^(cust|term)_.*_(\d+)d$/.exec(feature);
  if (!m) return 'the transaction';
  const n = Number(m[2]);
  const end = m[1] === 'cust' ? addDays(day, -1) : addDays(day, -1 - delay);
  const start = addDays(end, -(n - 1));
  const mart = m[1] === 'cust' ? 'customer' : 'terminal';
  return `${mart} mart of ${addDays(day, -1)}: ${n === 1 ? end : `${start} … ${end}`}`;
}
