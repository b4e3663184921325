import { InvalidArgumentError } from 'commander';
import { isDay } from '../util/dates.js';

/** commander argument parsers: a bad value becomes commander's usage error (exit 2) naming the flag. */
export function intArg(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`must be an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}.`);
    }
    return n;
  };
}

export function numberArg(min: number, max: number, { exclusiveMin = false } = {}) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || (exclusiveMin ? n <= min : n < min) || n > max) {
      throw new InvalidArgumentError(`must be a number ${exclusiveMin ? 'above' : 'from'} ${min}${exclusiveMin ? ' and at most' : ' to'} ${max}.`);
    }
    return n;
  };
}

export function dayArg(value: string): string {
  if (!isDay(value)) throw new InvalidArgumentError('must be a calendar date as YYYY-MM-DD (e.g. 2025-03-20).');
  return value;
}

/** `lo:hi` integer range, e.g. --trees 50:300. */
export function rangeArg(min: number, max: number) {
  return (value: string): [number, number] => {
    const m = /^(\d+):(\d+)$/.exec(value.trim());
    const lo = m ? Number(m[1]) : NaN;
    const hi = m ? Number(m[2]) : NaN;
    if (!m || lo < min || hi > max || lo > hi) throw new InvalidArgumentError(`must be LO:HI with ${min} <= LO <= HI <= ${max} (e.g. 50:300).`);
    return [lo, hi];
  };
}

export function choiceArg<T extends string>(values: readonly T[]) {
  return (value: string): T => {
    if (!values.includes(value as T)) throw new InvalidArgumentError(`must be one of ${values.join(', ')}.`);
    return value as T;
  };
}

export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}
