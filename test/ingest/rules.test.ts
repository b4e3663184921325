import { describe, expect, it } from 'vitest';
import { ingestCli, partitionSchema, readPartition, tempDir, writeRaw } from './helpers.js';

/**
 * One hand-written dump exercising every rule; the expected outcome of each line is written next
 * to it. Time origin 2019-08-22 (the default): 06:51:03 is 6*3600 + 51*60 + 3 = 24663 s.
 */
const LINES = [
  /* 2 */ '1,2019-08-22 06:51:03,0,711,70.91,24663,0,0,0', // kept
  /* 3 */ '2,2019-08-22 05:10:37,0,711,12.00,18637,0,0,0', // kept (id not chronological: fine)
  /* 4 */ '3,2019-08-22 24:00:00,1,5,10.00,86400,0,0,0', // kept as 2019-08-23 00:00:00; given days 0 → 1
  /* 5 */ '4,2019-08-22 10:00:00,2,6,15.50,999,0,1,2', // kept; seconds 999 → 36000
  /* 6 */ '5,2019-08-22 11:00:00,3,,20.00,39600,0,0,0', // empty_terminal_id
  /* 7 */ '6,2019-08-22 11:00:00,3,Err,20.00,39600,0,0,0', // non_numeric_terminal_id
  /* 8 */ '7,2019-08-22 11:00:00,3,89518096,20.00,39600,0,0,0', // terminal_id_out_of_range
  /* 9 */ '8,2019-08-22 11:00:00,-999999,7,20.00,39600,0,0,0', // negative_customer_id
  /* 10 */ '9,2019-08-22 11:00:00,4,7,0.00,39600,0,0,0', // nonpositive_amount
  /* 11 */ '1,2019-08-22 06:51:03,0,711,70.91,24663,0,0,0', // exact copy of line 2: dropped
  /* 12 */ '2,2019-08-22 07:00:00,9,9,1.00,25200,0,0,0', // id 2 again, other content: duplicate_transaction_id
  /* 13 */ 'x,2019-08-22 11:00:00,3,7,20.00,39600,0,0,0', // bad_transaction_id
  /* 14 */ '10,2019-08-22 25:00:00,3,7,20.00,39600,0,0,0', // bad_datetime (filed under the first day)
  /* 15 */ '11,2019-08-22 12:00:00,abc,7,20.00,43200,0,0,0', // bad_customer_id
  /* 16 */ '12,2019-08-22 12:00:00,3,7,abc,43200,0,0,0', // bad_amount
  /* 17 */ '13,2019-08-22 12:00:00,3,7,-5.00,43200,0,0,0', // nonpositive_amount
  /* 18 */ '14,2019-08-22 12:00:00,3,7,5.00,43200,0,2,0', // bad_fraud_label
  /* 19 */ '15,2019-08-22 12:00:00,3,1000,5.00,43200,0,0,0', // terminal_id_out_of_range (1000 > 999)
  /* 20 */ '16,2019-08-22 12:00:00,3,999,5.00,43200,0,0,0', // kept (999 is the largest valid id)
  /* 21 */ '17,2019-08-22 12:00:00,,,5.00,43200,0,0,0', // empty_terminal_id (terminal is tested before customer)
];

async function run(args: string[] = []) {
  const dir = tempDir();
  const file = writeRaw(dir, '2019-08-22.txt', LINES);
  const r = await ingestCli(dir, [file, ...args]);
  expect(r.code, r.stderr).toBe(0);
  return { dir, file, s: r.json, stdout: r.stdout, stderr: r.stderr };
}

const ids = (rows: Record<string, unknown>[] | undefined) => (rows ?? []).map((r) => Number(r.transaction_id));

describe('ingest rules on a hand-written dump', () => {
  it('counts every rule, and kept + quarantined + duplicates = rows read', async () => {
    const { s } = await run();
    expect(s.rowsRead).toBe(20);
    expect(s.rowsKept).toBe(5);
    expect(s.duplicatesDropped).toBe(1);
    expect(s.rowsQuarantined).toBe(14);
    expect(s.rowsKept + s.rowsQuarantined + s.duplicatesDropped).toBe(s.rowsRead);
    expect(s.quarantinedByReason).toEqual({
      bad_transaction_id: 1,
      bad_datetime: 1,
      empty_terminal_id: 2,
      non_numeric_terminal_id: 1,
      terminal_id_out_of_range: 2,
      bad_customer_id: 1,
      negative_customer_id: 1,
      bad_amount: 1,
      nonpositive_amount: 2,
      bad_fraud_label: 1,
      duplicate_transaction_id: 1,
    });
    expect(s.hour24Fixed).toBe(1);
    expect(s.timeSecondsMismatched).toBe(1);
    expect(s.timeDaysMismatched).toBe(1);
    expect(s.days.written).toEqual(['2019-08-22', '2019-08-23']);
    expect(s.files[0]).toMatchObject({ rowsRead: 20, firstDay: '2019-08-22', lastDay: '2019-08-23' });
  });

  it('writes the kept rows with the exact lake schema and recomputed times', async () => {
    const { dir } = await run();
    expect(await partitionSchema(dir, 'transactions', '2019-08-22')).toEqual({
      transaction_id: 'BIGINT',
      tx_datetime: 'TIMESTAMP',
      customer_id: 'BIGINT',
      terminal_id: 'BIGINT',
      tx_amount: 'DOUBLE',
      tx_time_seconds: 'BIGINT',
      tx_time_days: 'INTEGER',
      tx_fraud: 'TINYINT',
      tx_fraud_scenario: 'TINYINT',
    });
    const day1 = await readPartition(dir, 'transactions', '2019-08-22', 'transaction_id');
    expect(ids(day1)).toEqual([1, 2, 4, 16]);
    const row4 = day1!.find((r) => r.transaction_id === 4n)!;
    expect(row4.tx_time_seconds).toBe(36000n); // 10:00:00, not the given 999
    expect(row4.tx_fraud).toBe(1);
    expect(row4.tx_fraud_scenario).toBe(2);
    expect(row4.tx_amount).toBe(15.5);
    const day2 = await readPartition(dir, 'transactions', '2019-08-23');
    expect(day2).toHaveLength(1);
    expect((day2![0].tx_datetime as Date).toISOString()).toBe('2019-08-23T00:00:00.000Z');
    expect(day2![0].tx_time_seconds).toBe(86400n);
    expect(day2![0].tx_time_days).toBe(1);
  });

  it('quarantines with one reason per row, the source line and the raw text', async () => {
    const { dir, file } = await run();
    const q = await readPartition(dir, 'quarantine', '2019-08-22', 'source_line');
    expect(q!.map((r) => [Number(r.source_line), r.reason])).toEqual([
      [6, 'empty_terminal_id'],
      [7, 'non_numeric_terminal_id'],
      [8, 'terminal_id_out_of_range'],
      [9, 'negative_customer_id'],
      [10, 'nonpositive_amount'],
      [12, 'duplicate_transaction_id'],
      [13, 'bad_transaction_id'],
      [14, 'bad_datetime'],
      [15, 'bad_customer_id'],
      [16, 'bad_amount'],
      [17, 'nonpositive_amount'],
      [18, 'bad_fraud_label'],
      [19, 'terminal_id_out_of_range'],
      [21, 'empty_terminal_id'],
    ]);
    const line = (n: number) => q!.find((r) => Number(r.source_line) === n)!;
    expect(line(7)).toMatchObject({ source_file: file, transaction_id: '6', terminal_id: 'Err', tx_amount: '20.00' });
    expect(line(6).terminal_id).toBeNull(); // empty field
    expect(line(13).transaction_id).toBe('x');
    expect(line(14).tx_datetime).toBe('2019-08-22 25:00:00');
    expect(line(12)).toMatchObject({ transaction_id: '2', tx_datetime: '2019-08-22 07:00:00', customer_id: '9', terminal_id: '9' });
    expect(await readPartition(dir, 'quarantine', '2019-08-23')).toBeUndefined();
  });

  it('--no-fix-hour24 quarantines 24:00:00 as bad_datetime', async () => {
    const { dir, s } = await run(['--no-fix-hour24']);
    expect(s.hour24Rows).toBe(1);
    expect(s.hour24Fixed).toBe(0);
    expect(s.quarantinedByReason.bad_datetime).toBe(2);
    expect(s.days.written).toEqual(['2019-08-22']);
    const q = await readPartition(dir, 'quarantine', '2019-08-22', 'source_line');
    expect(q!.find((r) => Number(r.source_line) === 4)).toMatchObject({ reason: 'bad_datetime', tx_datetime: '2019-08-22 24:00:00' });
  });

  it('--max-terminal-id, --keep-zero-amounts, --keep-negative-customers keep those rows', async () => {
    const { dir, s } = await run(['--max-terminal-id', '1000', '--keep-zero-amounts', '--keep-negative-customers']);
    expect(s.quarantinedByReason.terminal_id_out_of_range).toBe(1); // 89518096 still is
    expect(s.quarantinedByReason.nonpositive_amount).toBe(1); // -5.00 still is
    expect(s.quarantinedByReason.negative_customer_id).toBe(0);
    expect(s.rowsKept).toBe(8);
    expect(ids(await readPartition(dir, 'transactions', '2019-08-22', 'transaction_id'))).toEqual([1, 2, 4, 8, 9, 15, 16]);
  });

  it('--keep-duplicates keeps the copy and the repeated id', async () => {
    const { dir, s } = await run(['--keep-duplicates']);
    expect(s.duplicatesDropped).toBe(0);
    expect(s.quarantinedByReason.duplicate_transaction_id).toBe(0);
    expect(ids(await readPartition(dir, 'transactions', '2019-08-22', 'transaction_id, tx_datetime'))).toEqual([1, 1, 2, 2, 4, 16]);
  });

  it('--no-recompute-time keeps the given tx_time_seconds and tx_time_days', async () => {
    const { dir, s } = await run(['--no-recompute-time']);
    expect(s.timeSecondsMismatched).toBe(1);
    const day1 = await readPartition(dir, 'transactions', '2019-08-22', 'transaction_id');
    expect(day1!.find((r) => r.transaction_id === 4n)!.tx_time_seconds).toBe(999n);
    const day2 = await readPartition(dir, 'transactions', '2019-08-23');
    expect(day2![0].tx_time_days).toBe(0);
  });

  it('--time-origin moves the counters, and a wrong origin is warned about', async () => {
    const { dir, s, stderr } = await run(['--time-origin', '2019-08-21']);
    expect(s.timeSecondsMismatched).toBe(5);
    expect(stderr).toContain('is the origin right?');
    const day1 = await readPartition(dir, 'transactions', '2019-08-22', 'transaction_id');
    expect(day1![0]).toMatchObject({ transaction_id: 1n, tx_time_seconds: 86400n + 24663n, tx_time_days: 1 });
  });

  it('computes negative counters for rows before the origin', async () => {
    const dir = tempDir();
    const file = writeRaw(dir, 'early.txt', ['1,2019-08-21 23:59:59,5,7,5.00,-1,-1,0,0']);
    const r = await ingestCli(dir, [file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.timeSecondsMismatched).toBe(0);
    expect(r.json.timeDaysMismatched).toBe(0);
    const rows = await readPartition(dir, 'transactions', '2019-08-21');
    expect(rows![0]).toMatchObject({ tx_time_seconds: -1n, tx_time_days: -1 });
  });

  it('drops exact copies of quarantined rows too (with and without a parseable id)', async () => {
    const dir = tempDir();
    const bad = '5,2019-08-22 11:00:00,3,Err,20.00,39600,0,0,0';
    const noId = 'x,2019-08-22 11:00:00,3,7,20.00,39600,0,0,0';
    const file = writeRaw(dir, 'dups.txt', [bad, noId, bad, noId, 'y,2019-08-22 11:00:00,3,7,20.00,39600,0,0,0']);
    const r = await ingestCli(dir, [file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ rowsRead: 5, rowsKept: 0, duplicatesDropped: 2, rowsQuarantined: 3 });
    const q = await readPartition(dir, 'quarantine', '2019-08-22', 'source_line');
    expect(q!.map((x) => [Number(x.source_line), x.reason])).toEqual([
      [2, 'non_numeric_terminal_id'],
      [3, 'bad_transaction_id'],
      [6, 'bad_transaction_id'],
    ]);
  });

  it('prints a human report', async () => {
    const dir = tempDir();
    const file = writeRaw(dir, 'x.txt', LINES);
    const { runCli } = await import('../helpers/cli.js');
    const r = await runCli(['ingest', file, '--lake', `${dir}/lake`, '--tmp-dir', `${dir}/tmp`], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/rows read\s+20/);
    expect(r.stdout).toMatch(/empty_terminal_id\s+2/);
    expect(r.stdout).toMatch(/exact duplicates dropped\s+1/);
    expect(r.stdout).toMatch(/written\s+2\s+2019-08-22, 2019-08-23/);
  });
});
