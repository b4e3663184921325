import { open, type FileHandle } from 'node:fs/promises';
import { atomicWrite } from '../util/atomicWrite.js';
import { usageError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Progress } from '../progress.js';
import { addDays } from '../util/dates.js';
import { AsciiWriter } from './asciiWriter.js';
import { DEFECT_KINDS, DefectPlan, NEGATIVE_CUSTOMER, NO_DEFECT, zeroCounts, type DefectCounts } from './defects.js';
import { generateDays, SECONDS_PER_DAY, type DayBatch } from './generateDays.js';
import type { SimParams } from './params.js';
import { throwIfAborted } from './interrupt.js';
import { addBatch, emptyStats, fraudRate, type SimStats } from './stats.js';

/** First line of a course raw dump, typo included ("tranaction"). */
export const RAW_HEADER = '# tranaction_id | tx_datetime | customer_id | terminal_id | tx_amount | tx_time_seconds | tx_time_days | tx_fraud | tx_fraud_scenario';

export interface RawOptions {
  /** Defects of each kind to inject; 0 for a clean dump. */
  defectsPerKind: number;
  log: Logger;
  progress?: Progress;
  signal?: AbortSignal;
  now?: () => number;
}

export interface RawSummary extends SimStats {
  format: 'raw';
  out: string;
  start: string;
  end: string;
  days: number;
  /** Data lines written (header excluded), duplicate copies included. */
  rows: number;
  fraudRate: number | null;
  injected: DefectCounts;
  seconds: number;
  rowsPerSecond: number;
}

/**
 * Writes the simulation as one text file in the course's raw format (domain.md §3.1): the header
 * line, then comma-separated rows without quotes, `YYYY-MM-DD HH:MM:SS`, amounts with 2 decimals,
 * tx_time_seconds from the start date. Rows are day-major then customer order, and transaction_id
 * increases in file order, so it is not chronological within a day. The file appears complete or
 * not at all (temporary name, then rename). Counts (transactions, frauds) are before defects.
 */
export async function simulateToRaw(params: SimParams, outPath: string, opts: RawOptions): Promise<RawSummary> {
  const now = opts.now ?? (() => performance.now());
  const t0 = now();
  const plan = opts.defectsPerKind > 0 ? new DefectPlan(opts.defectsPerKind, params.days, params.seed, params.terminals) : undefined;
  const injected = zeroCounts();
  const stats = emptyStats();
  let rows = 0;
  await atomicWrite(outPath, async (tmp) => {
    const fh = await openForWrite(tmp, outPath);
    try {
      const w = new AsciiWriter(fh);
      w.text(`${RAW_HEADER}\n`);
      for (const batch of generateDays(params, { order: 'customer' })) {
        throwIfAborted(opts.signal);
        addBatch(stats, batch);
        await writeDay(w, batch, plan?.forDay(batch.dayIndex, batch.size), plan?.bigTerminals ?? [], injected);
        rows += batch.size;
        opts.progress?.tick(batch.day);
      }
      rows += injected.duplicates;
      await w.flush();
      await fh.close();
    } catch (e) {
      await fh.close().catch(() => undefined);
      throw e;
    }
  });
  opts.progress?.done();
  if (plan) opts.log.info({ injected }, 'defects injected');
  const seconds = (now() - t0) / 1000;
  return {
    format: 'raw',
    out: outPath,
    start: params.start,
    end: addDays(params.start, params.days - 1),
    days: params.days,
    rows,
    ...stats,
    fraudRate: fraudRate(stats),
    injected,
    seconds: Math.round(seconds * 1000) / 1000,
    rowsPerSecond: seconds > 0 ? Math.round(rows / seconds) : 0,
  };
}

async function openForWrite(tmp: string, outPath: string): Promise<FileHandle> {
  try {
    return await open(tmp, 'wx');
  } catch (e) {
    throw usageError(`--out ${outPath} cannot be written: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'pass --out with a path in an existing, writable directory');
  }
}

/** 'HH:MM:SS' for every second of a day, plus '24:00:00' at 86400 (the hour24 defect): 8 bytes each. */
const CLOCK = Buffer.from(
  Array.from({ length: SECONDS_PER_DAY + 1 }, (_, s) => [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60].map((v) => String(v).padStart(2, '0')).join(':')).join(''),
  'latin1',
);
const COMMA = 44;
const NEWLINE = 10;
/** Room for one row, twice (a duplicated row). */
const MAX_ROW_BYTES = 512;
const ERR = Buffer.from('Err', 'latin1');

async function writeDay(w: AsciiWriter, b: DayBatch, defects: ReturnType<DefectPlan['forDay']> | undefined, bigTerminals: number[], injected: DefectCounts): Promise<void> {
  const base = b.dayIndex * SECONDS_PER_DAY;
  const dayPrefix = Buffer.from(`${b.day} `, 'latin1');
  for (let i = 0; i < b.size; i++) {
    if (!w.fits(MAX_ROW_BYTES)) await w.flush();
    const code = defects ? defects.codes[i] : NO_DEFECT;
    const kind = code === NO_DEFECT ? undefined : DEFECT_KINDS[code];
    if (kind) injected[kind]++;
    const tod = kind === 'hour24' ? SECONDS_PER_DAY : b.timeOfDay[i];
    let seconds = base + tod;
    if (kind === 'wrongTimeSeconds') seconds += SECONDS_PER_DAY * (1 + defects!.rng.int(30));
    const start = w.mark();
    w.int(b.firstTransactionId + i);
    w.char(COMMA);
    w.bytes(dayPrefix);
    w.bytes(CLOCK, tod * 8, tod * 8 + 8);
    w.char(COMMA);
    w.int(kind === 'negativeCustomer' ? NEGATIVE_CUSTOMER : b.customerId[i]);
    w.char(COMMA);
    if (kind === 'errTerminal') w.bytes(ERR);
    else if (kind === 'bigTerminal') w.int(bigTerminals[defects!.rng.int(bigTerminals.length)]);
    else if (kind !== 'emptyTerminal') w.int(b.terminalId[i]);
    w.char(COMMA);
    w.cents(kind === 'zeroAmount' ? 0 : b.amount[i]);
    w.char(COMMA);
    w.int(seconds);
    w.char(COMMA);
    w.int(b.dayIndex);
    w.char(COMMA);
    w.int(b.scenario[i] > 0 ? 1 : 0);
    w.char(COMMA);
    w.int(b.scenario[i]);
    w.char(NEWLINE);
    if (kind === 'duplicates') w.repeatFrom(start);
  }
}
