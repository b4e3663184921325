import { isUtf8 } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';
import { ExitCode, FraudctlError } from '../errors.js';
import { HEADER_MAX_BYTES, headerProblem, printable, RAW_COLUMNS } from './rawFormat.js';

/**
 * Checks of a raw dump that DuckDB's CSV reader does not make, or makes without a line number.
 * Every problem is a FraudctlError (exit 3) naming the file and the 1-based line.
 */

const CHUNK = 16 * 1024 * 1024;
const NL = 0x0a;
const CR = 0x0d;

export function badLine(file: string, line: number, problem: string): FraudctlError {
  return new FraudctlError(`${file}: line ${line}: ${problem}`, ExitCode.Data, {
    hint: 'fix or re-download the file; nothing was written to the lake',
    details: { file, line },
  });
}

/** Reads and checks the header line. Returns whether lines end in CRLF. */
export async function checkHeader(file: string): Promise<{ crlf: boolean }> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(HEADER_MAX_BYTES);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    if (bytesRead === 0) throw badLine(file, 1, 'the file is empty (expected the header line and data rows)');
    const head = buf.subarray(0, bytesRead);
    if (head[0] === 0x1f && head[1] === 0x8b) throw badLine(file, 1, 'this is a gzip file, not text; decompress it first');
    const nl = head.indexOf(NL);
    const lineBytes = nl < 0 ? head : head.subarray(0, nl);
    if (nl < 0 && bytesRead === HEADER_MAX_BYTES) throw badLine(file, 1, `no line break in the first ${HEADER_MAX_BYTES} bytes: not a raw dump (binary data?)`);
    if (!isUtf8(lineBytes) || lineBytes.includes(0)) throw badLine(file, 1, `binary data where the header should be: '${printable(lineBytes.toString('latin1'), 80)}'`);
    const problem = headerProblem(lineBytes.toString('utf8'));
    if (problem) throw badLine(file, 1, problem);
    return { crlf: lineBytes[lineBytes.length - 1] === CR };
  } finally {
    await fh.close();
  }
}

/** 1-based number of the line holding byte `offset`. */
export async function lineAt(file: string, offset: number): Promise<number> {
  const fh = await open(file, 'r');
  try {
    let line = 1;
    const buf = Buffer.allocUnsafe(CHUNK);
    for (let pos = 0; pos < offset; ) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, offset - pos), pos);
      if (bytesRead === 0) break;
      for (let i = buf.indexOf(NL, 0); i >= 0 && i < bytesRead; i = buf.indexOf(NL, i + 1)) line++;
      pos += bytesRead;
    }
    return line;
  } finally {
    await fh.close();
  }
}

/** Calls `onChunk` with whole lines (a chunk always ends after a '\n', or at the end of the file). */
async function forEachChunk(fh: FileHandle, signal: AbortSignal | undefined, onChunk: (chunk: Buffer, offset: number) => boolean | void): Promise<void> {
  const buf = Buffer.allocUnsafe(CHUNK);
  let pos = 0;
  for (;;) {
    if (signal?.aborted) return;
    const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
    if (bytesRead === 0) return;
    let end = bytesRead;
    if (bytesRead === CHUNK) {
      end = buf.lastIndexOf(NL, bytesRead - 1) + 1;
      if (end === 0) end = bytesRead; // a 16 MB line: let the checks see it as it is
    }
    if (onChunk(buf.subarray(0, end), pos) === false) return;
    pos += end;
  }
}

/**
 * One fast pass (native scans, no per-byte JS): the text must be UTF-8 without NUL bytes, and may
 * have blank lines only at its end. DuckDB would otherwise read binary garbage into fields, or skip
 * blank lines silently (which would shift the line numbers recorded in the quarantine).
 */
export async function prescanFile(file: string, signal?: AbortSignal): Promise<void> {
  const fh = await open(file, 'r');
  let problem: { offset: number; what: string } | undefined;
  let blankAt: number | undefined;
  try {
    await forEachChunk(fh, signal, (chunk, offset) => {
      if (!isUtf8(chunk) || chunk.includes(0)) {
        problem = { offset: offset + firstBinaryByte(chunk), what: 'binary data (a NUL byte or bytes that are not UTF-8 text)' };
        return false;
      }
      if (blankAt !== undefined && hasContent(chunk, 0)) {
        problem = { offset: blankAt, what: 'empty line in the middle of the file' };
        return false;
      }
      const blank = firstBlankLine(chunk, offset === 0);
      if (blank >= 0 && blankAt === undefined) {
        blankAt = offset + blank;
        if (hasContent(chunk, blank)) {
          problem = { offset: blankAt, what: 'empty line in the middle of the file' };
          return false;
        }
      }
    });
  } finally {
    await fh.close();
  }
  if (problem) throw badLine(file, await lineAt(file, problem.offset), problem.what);
}

/** Offset of the first line that is empty (only '\n' or '\r\n'), or -1. The chunk starts a line. */
function firstBlankLine(chunk: Buffer, isFileStart: boolean): number {
  if (!isFileStart && (chunk[0] === NL || (chunk[0] === CR && chunk[1] === NL))) return 0;
  const a = chunk.indexOf('\n\n');
  const b = chunk.indexOf('\n\r\n');
  const first = a < 0 ? b : b < 0 ? a : Math.min(a, b);
  return first < 0 ? -1 : first + 1;
}

/** True when a byte other than '\r' or '\n' follows `from`. */
function hasContent(chunk: Buffer, from: number): boolean {
  for (let i = from; i < chunk.length; i++) if (chunk[i] !== NL && chunk[i] !== CR) return true;
  return false;
}

/** Offset of the first line holding a NUL byte or invalid UTF-8 (failure path: a loop over lines). */
function firstBinaryByte(chunk: Buffer): number {
  for (let start = 0; start < chunk.length; ) {
    let end = chunk.indexOf(NL, start);
    if (end < 0) end = chunk.length;
    const line = chunk.subarray(start, end);
    if (line.includes(0) || !isUtf8(line)) return start;
    start = end + 1;
  }
  return 0;
}

/**
 * Finds the first data line that DuckDB cannot have parsed: a field count other than 9, or a stray
 * carriage return. Used when DuckDB reports a CSV error without a line number. Slow (a JS pass over
 * the bytes), but only on the failure path.
 */
export async function locateBadLine(file: string, crlf: boolean, signal?: AbortSignal): Promise<{ line: number; problem: string } | undefined> {
  const fh = await open(file, 'r');
  let found: { line: number; problem: string } | undefined;
  let line = 0;
  try {
    await forEachChunk(fh, signal, (chunk) => {
      let start = 0;
      while (start < chunk.length) {
        let end = chunk.indexOf(NL, start);
        if (end < 0) end = chunk.length;
        line++;
        if (line > 1) {
          const stop = crlf && chunk[end - 1] === CR ? end - 1 : end;
          let commas = 0;
          let cr = -1;
          for (let i = start; i < stop; i++) {
            const c = chunk[i];
            if (c === 0x2c) commas++;
            else if (c === CR && cr < 0) cr = i;
          }
          const text = chunk.subarray(start, stop).toString('utf8');
          if (cr >= 0) found = { line, problem: `stray carriage return in '${printable(text)}'` };
          else if (commas + 1 !== RAW_COLUMNS.length) found = { line, problem: `expected ${RAW_COLUMNS.length} comma-separated fields, found ${commas + 1}: '${printable(text)}'` };
          if (found) return false;
        }
        start = end + 1;
      }
    });
  } finally {
    await fh.close();
  }
  return found;
}
