import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ingestCli, lakeDays, readPartition, tempDir, writeRaw } from './helpers.js';

const row = (id: number, datetime: string, amount = '10.00') => `${id},${datetime},${id % 7},${id % 10},${amount},0,0,0,0`;
const ids = (rows: Record<string, unknown>[] | undefined) => (rows ?? []).map((r) => Number(r.transaction_id));

/** File A covers 2019-08-22; its last row is written 24:00:00, so it lands on 2019-08-23 00:00:00. */
const A = [row(1, '2019-08-22 08:00:00'), row(2, '2019-08-22 09:00:00'), row(3, '2019-08-22 24:00:00')];
/** File B, the next dump, covers 2019-08-23. */
const B = [row(10, '2019-08-23 07:00:00'), row(11, '2019-08-23 23:00:00')];

describe('re-ingest', () => {
  it('skips existing days unless --overwrite', async () => {
    const dir = tempDir();
    const v1 = writeRaw(dir, 'v1.txt', [row(1, '2019-08-22 08:00:00'), row(2, '2019-08-23 09:00:00')]);
    const v2 = writeRaw(dir, 'v2.txt', [row(5, '2019-08-22 08:00:00'), row(6, '2019-08-23 09:00:00'), row(7, '2019-08-23 10:00:00')]);
    expect((await ingestCli(dir, [v1])).json.days.written).toEqual(['2019-08-22', '2019-08-23']);

    const again = await ingestCli(dir, [v2]);
    expect(again.code).toBe(0);
    expect(again.json.days).toEqual({ written: [], replaced: [], merged: [], skipped: ['2019-08-22', '2019-08-23'] });
    expect(again.json.rowsWritten).toBe(0);
    expect(again.json.rowsSkipped).toBe(3);
    expect(ids(await readPartition(dir, 'transactions', '2019-08-23'))).toEqual([2]);

    const over = await ingestCli(dir, [v2, '--overwrite']);
    expect(over.json.days.replaced).toEqual(['2019-08-22', '2019-08-23']);
    expect(over.json.rowsWritten).toBe(3);
    expect(ids(await readPartition(dir, 'transactions', '2019-08-23'))).toEqual([6, 7]);
  });

  it('merges a 24:00:00 spill-over day with the next file, in either order', async () => {
    for (const order of [['A', 'B'], ['B', 'A']]) {
      const dir = tempDir();
      const files: Record<string, string> = { A: writeRaw(dir, 'a.txt', A), B: writeRaw(dir, 'b.txt', B) };
      const first = await ingestCli(dir, [files[order[0]]]);
      const second = await ingestCli(dir, [files[order[1]]]);
      expect(first.code + second.code).toBe(0);
      expect(second.json.days.merged).toEqual(['2019-08-23']);
      expect(ids(await readPartition(dir, 'transactions', '2019-08-23', 'transaction_id'))).toEqual([3, 10, 11]);
      expect(ids(await readPartition(dir, 'transactions', '2019-08-22', 'transaction_id'))).toEqual([1, 2]);
      // Running either again changes nothing.
      for (const f of ['A', 'B']) {
        const r = await ingestCli(dir, [files[f]]);
        expect(r.json.days.merged.concat(r.json.days.written)).toEqual([]);
      }
      expect(ids(await readPartition(dir, 'transactions', '2019-08-23', 'transaction_id'))).toEqual([3, 10, 11]);
    }
  });

  it('after --overwrite of the next file, re-running the previous one brings its spill-over back', async () => {
    const dir = tempDir();
    const a = writeRaw(dir, 'a.txt', A);
    const b = writeRaw(dir, 'b.txt', B);
    const both = await ingestCli(dir, [a, b]);
    expect(both.json.days.written).toEqual(['2019-08-22', '2019-08-23']);
    expect(ids(await readPartition(dir, 'transactions', '2019-08-23', 'transaction_id'))).toEqual([3, 10, 11]);
    await ingestCli(dir, [b, '--overwrite']);
    expect(ids(await readPartition(dir, 'transactions', '2019-08-23', 'transaction_id'))).toEqual([10, 11]);
    const back = await ingestCli(dir, [a]);
    expect(back.json.days.merged).toEqual(['2019-08-23']);
    expect(ids(await readPartition(dir, 'transactions', '2019-08-23', 'transaction_id'))).toEqual([3, 10, 11]);
  });

  it('--overwrite replaces a stale quarantine partition, even with an empty one', async () => {
    const dir = tempDir();
    const bad = writeRaw(dir, 'bad.txt', [row(1, '2019-08-22 08:00:00'), `2,2019-08-22 09:00:00,1,Err,5.00,0,0,0,0`]);
    const fixed = writeRaw(dir, 'fixed.txt', [row(1, '2019-08-22 08:00:00'), row(2, '2019-08-22 09:00:00')]);
    await ingestCli(dir, [bad]);
    expect(await readPartition(dir, 'quarantine', '2019-08-22')).toHaveLength(1);
    const r = await ingestCli(dir, [fixed, '--overwrite']);
    expect(r.json.days.replaced).toEqual(['2019-08-22']);
    expect(await readPartition(dir, 'quarantine', '2019-08-22')).toEqual([]);
    expect(ids(await readPartition(dir, 'transactions', '2019-08-22', 'transaction_id'))).toEqual([1, 2]);
  });

  it('--dry-run reports what would be written and writes nothing', async () => {
    const dir = tempDir();
    const a = writeRaw(dir, 'a.txt', [...A, '9,2019-08-22 10:00:00,1,,5.00,0,0,0,0']);
    const r = await ingestCli(dir, [a, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ dryRun: true, rowsKept: 3, rowsQuarantined: 1, rowsWritten: 3, quarantineRowsWritten: 1 });
    expect(r.json.days.written).toEqual(['2019-08-22', '2019-08-23']);
    expect(lakeDays(dir, 'transactions')).toEqual([]);
    expect(lakeDays(dir, 'quarantine')).toEqual([]);
  });

  it('several files in one run: lines counted per file, duplicates found across files', async () => {
    const dir = tempDir();
    const one = writeRaw(dir, 'one.txt', [row(1, '2019-08-22 08:00:00'), row(2, '2019-08-22 09:00:00')]);
    const two = writeRaw(dir, 'two.txt', [
      row(3, '2019-08-22 10:00:00'),
      row(1, '2019-08-22 08:00:00'), // exact copy of one.txt line 2: dropped
      row(2, '2019-08-22 11:00:00'), // id of one.txt line 3, other content: quarantined
      '4,2019-08-22 12:00:00,1,Err,5.00,0,0,0,0',
    ]);
    const r = await ingestCli(dir, [one, two]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ rowsRead: 6, rowsKept: 3, duplicatesDropped: 1, rowsQuarantined: 2 });
    expect(r.json.files.map((f: { rowsRead: number }) => f.rowsRead)).toEqual([2, 4]);
    expect(ids(await readPartition(dir, 'transactions', '2019-08-22', 'transaction_id'))).toEqual([1, 2, 3]);
    const q = await readPartition(dir, 'quarantine', '2019-08-22', 'source_line');
    expect(q!.map((x) => [x.source_file, Number(x.source_line), x.reason])).toEqual([
      [two, 4, 'duplicate_transaction_id'],
      [two, 5, 'non_numeric_terminal_id'],
    ]);
  });

  it('a day with only quarantined rows gets a quarantine partition and no transactions one', async () => {
    const dir = tempDir();
    const f = writeRaw(dir, 'bad-day.txt', [row(1, '2019-08-22 08:00:00'), '2,2019-08-24 09:00:00,1,Err,5.00,0,0,0,0']);
    const r = await ingestCli(dir, [f]);
    expect(r.json.days.written).toEqual(['2019-08-22', '2019-08-24']);
    expect(lakeDays(dir, 'transactions')).toEqual(['2019-08-22']);
    expect(lakeDays(dir, 'quarantine')).toEqual(['2019-08-24']);
    const again = await ingestCli(dir, [f]);
    expect(again.json.days.skipped).toEqual(['2019-08-22', '2019-08-24']);
    expect(await readPartition(dir, 'quarantine', '2019-08-24')).toHaveLength(1);
  });

  it('stops with exit 130 when interrupted, writing nothing', async () => {
    const dir = tempDir();
    const a = writeRaw(dir, 'a.txt', A);
    const ctl = new AbortController();
    ctl.abort('SIGINT');
    const r = await runCli(['ingest', a, '--lake', `${dir}/lake`], { cwd: dir, signal: ctl.signal });
    expect(r.code).toBe(130);
    expect(lakeDays(dir, 'transactions')).toEqual([]);
  });
});
