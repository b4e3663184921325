import { usageError } from '../errors.js';

/** Calendar days are `YYYY-MM-DD` strings in UTC throughout fraudctl. */
export type Day = string;

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** True when `s` is a real calendar date written as YYYY-MM-DD (2025-02-30 is not). */
export function isDay(s: string): boolean {
  const m = DAY_RE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

/** Validates a day given by the user; `what` names the flag in the error (e.g. "--date"). */
export function parseDay(s: string, what: string): Day {
  if (!isDay(s)) throw usageError(`${what} must be a calendar date as YYYY-MM-DD, got '${s}'`);
  return s;
}

export function dayToMs(day: Day): number {
  const m = DAY_RE.exec(day);
  if (!m) throw new Error(`not a day: ${day}`);
  return Date.UTC(+m[1], +m[2] - 1, +m[3]);
}

export function msToDay(ms: number): Day {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(day: Day, n: number): Day {
  return msToDay(dayToMs(day) + n * MS_PER_DAY);
}

/** Whole days from a to b (b - a). */
export function daysBetween(a: Day, b: Day): number {
  return Math.round((dayToMs(b) - dayToMs(a)) / MS_PER_DAY);
}

/** Inclusive range of days from `from` to `to`; empty when to < from. */
export function dayRange(from: Day, to: Day): Day[] {
  const out: Day[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}
