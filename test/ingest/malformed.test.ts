import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openDb, sqlString } from '../../src/lake/db.js';
import { ingestCli, lakeDays, RAW_HEADER, tempDir, writeRaw } from './helpers.js';

/** Clean data line number `i` (transaction_id i, one per second from 2019-08-22 00:00:00). */
const good = (i: number) => {
  const s = i % 86400;
  const hh = String(Math.floor(s / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${i},2019-08-22 ${hh}:${mm}:${ss},${i % 50},${i % 10},12.50,${s},0,0,0`;
};
const goodLines = (n: number) => Array.from({ length: n }, (_, i) => good(i));

/** Runs ingest on `file` (plus a clean file first, to show nothing at all is written). */
async function expectRejected(dir: string, file: string, line: number, what: RegExp) {
  const clean = writeRaw(dir, 'clean.txt', goodLines(10));
  const r = await ingestCli(dir, [clean, file]);
  expect(r.code, r.stderr).toBe(3);
  expect(r.stderr).toContain(`${file}: line ${line}:`);
  expect(r.stderr).toMatch(what);
  expect(r.json).toMatchObject({ ok: false, exitCode: 3 });
  expect(lakeDays(dir, 'transactions')).toEqual([]);
  expect(lakeDays(dir, 'quarantine')).toEqual([]);
  expect(existsSync(join(dir, 'tmp')) ? (await import('node:fs')).readdirSync(join(dir, 'tmp')) : []).toEqual([]);
}

describe('malformed dumps: exit 3 naming the file and the line, nothing written', () => {
  it('a line with too many fields', async () => {
    const dir = tempDir();
    const lines = goodLines(20);
    lines[4] += ',extra'; // line 6 (line 1 is the header)
    await expectRejected(dir, writeRaw(dir, 'extra.txt', lines), 6, /expected 9 comma-separated fields, found 10: '4,2019-08-22 00:00:04,.*,extra'/);
  });

  it('a line with too few fields', async () => {
    const dir = tempDir();
    const lines = goodLines(20);
    lines[9] = '1,2,3';
    await expectRejected(dir, writeRaw(dir, 'few.txt', lines), 11, /found 3: '1,2,3'/);
  });

  it('a bad line deep in a file DuckDB reads in parallel chunks', async () => {
    const dir = tempDir();
    const path = join(dir, 'big.txt');
    const db = await openDb({ threads: 2 });
    try {
      // ~45 MB: more than one of DuckDB's CSV buffers; line 1 is the header, data row i is line i + 2.
      await db.run(`COPY (
        SELECT CASE WHEN i = 900000 THEN '900000,2019-08-22 00:00:00,1,1' ELSE concat_ws(',', i, '2019-08-22 10:00:00', i % 1000, i % 100, '12.50', 36000, 0, 0, 0) END
          AS "${RAW_HEADER}"
        FROM range(1000000) t(i)) TO ${sqlString(path)} (FORMAT csv, HEADER true, QUOTE '', ESCAPE '', DELIMITER '\t')`);
    } finally {
      db.close();
    }
    await expectRejected(dir, path, 900002, /found 4/);
  });

  it('binary garbage: NUL bytes', async () => {
    const dir = tempDir();
    const path = join(dir, 'nul.txt');
    const lines = goodLines(30);
    writeFileSync(path, Buffer.concat([Buffer.from(`${RAW_HEADER}\n${lines.slice(0, 12).join('\n')}\n`), Buffer.from([0, 0, 0x13, 0x37, 0x0a]), Buffer.from(`${lines.slice(12).join('\n')}\n`)]));
    await expectRejected(dir, path, 14, /binary data/);
  });

  it('binary garbage: bytes that are not UTF-8', async () => {
    const dir = tempDir();
    const path = join(dir, 'latin.txt');
    const lines = goodLines(30);
    writeFileSync(path, Buffer.concat([Buffer.from(`${RAW_HEADER}\n${lines.slice(0, 20).join('\n')}\n1,2019-08-22 00:00:00,1,`), Buffer.from([0xff, 0xfe]), Buffer.from(`,1.00,0,0,0,0\n${lines.slice(20).join('\n')}\n`)]));
    await expectRejected(dir, path, 22, /not UTF-8/);
  });

  it('a stray carriage return (DuckDB gives no line: it is found by a scan)', async () => {
    const dir = tempDir();
    const lines = goodLines(40);
    lines[30] = '30,2019-08-22 00:00:30,1,2\r3,1.00,30,0,0,0';
    await expectRejected(dir, writeRaw(dir, 'cr.txt', lines), 32, /stray carriage return/);
  });

  it('an empty line in the middle (trailing ones are fine)', async () => {
    const dir = tempDir();
    const lines = goodLines(10);
    lines.splice(5, 0, '');
    await expectRejected(dir, writeRaw(dir, 'blank.txt', lines), 7, /empty line/);
    const ok = tempDir();
    const trailing = writeRaw(ok, 'trailing.txt', [...goodLines(10), '', '']);
    const r = await ingestCli(ok, [trailing]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.rowsRead).toBe(10);
  });

  it('an empty file', async () => {
    const dir = tempDir();
    const path = join(dir, 'empty.txt');
    writeFileSync(path, '');
    await expectRejected(dir, path, 1, /the file is empty/);
  });

  it('a wrong header, a gzip file', async () => {
    const dir = tempDir();
    await expectRejected(dir, writeRaw(dir, 'hdr.txt', goodLines(3), 'id,when,who'), 1, /expected the header '# tranaction_id \| tx_datetime/);
    const gz = join(dir, 'x.txt.gz');
    writeFileSync(gz, gzipSync(`${RAW_HEADER}\n${goodLines(3).join('\n')}\n`));
    await expectRejected(dir, gz, 1, /gzip/);
  });

  it('accepts a CRLF file, a comma-separated header without a final line break, and a header-only file', async () => {
    const dir = tempDir();
    const crlf = join(dir, 'crlf.txt');
    writeFileSync(crlf, `${RAW_HEADER}\r\n${goodLines(5).join('\r\n')}\r\n`);
    const comma = join(dir, 'comma.txt'); // and no line break at the end
    writeFileSync(comma, `transaction_id,tx_datetime,customer_id,terminal_id,tx_amount,tx_time_seconds,tx_time_days,tx_fraud,tx_fraud_scenario\n${good(7)}`);
    const headerOnly = writeRaw(dir, 'header-only.txt', []);
    const r = await ingestCli(dir, [crlf, comma, headerOnly]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.rowsRead).toBe(6);
    expect(r.json.rowsKept).toBe(6);
    expect(r.json.files.map((f: { rowsRead: number }) => f.rowsRead)).toEqual([5, 1, 0]);
  });

  it('a missing file is exit 3, a bad flag exit 2', async () => {
    const dir = tempDir();
    const r = await ingestCli(dir, [join(dir, 'nope.txt')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('nope.txt not found');
    const f = writeRaw(dir, 'ok.txt', goodLines(2));
    expect((await ingestCli(dir, [f, '--max-terminal-id', '-1'])).code).toBe(2);
    expect((await ingestCli(dir, [f, '--time-origin', '2019-02-30'])).code).toBe(2);
    expect((await ingestCli(dir, [f, '--memory-limit', 'lots'])).code).toBe(2);
  });
});
