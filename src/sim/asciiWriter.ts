import type { FileHandle } from 'node:fs/promises';

const DIGIT_0 = 48;
const MINUS = 45;
const DOT = 46;

/**
 * Text output encoded straight into a reused byte buffer: no per-row strings, so writing millions
 * of rows costs no garbage collection (building lines as strings was 4× slower, mostly GC).
 * Callers reserve room for a row with `ensure`, then append ASCII pieces.
 */
export class AsciiWriter {
  private readonly buf: Buffer;
  private pos = 0;

  constructor(private readonly fh: FileHandle, size = 1 << 22) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Makes room for `n` more bytes, flushing to the file first when needed. */
  async ensure(n: number): Promise<void> {
    if (this.pos + n > this.buf.length) await this.flush();
  }

  /** True when `n` more bytes fit without a flush (lets hot loops skip the await). */
  fits(n: number): boolean {
    return this.pos + n <= this.buf.length;
  }

  async flush(): Promise<void> {
    if (this.pos === 0) return;
    await this.fh.write(this.buf, 0, this.pos);
    this.pos = 0;
  }

  /** An ASCII string (short, not per row: pre-encode per-row constants with `bytes`). */
  text(s: string): void {
    this.pos += this.buf.write(s, this.pos, 'latin1');
  }

  bytes(b: Uint8Array, start = 0, end = b.length): void {
    this.buf.set(b.subarray(start, end), this.pos);
    this.pos += end - start;
  }

  char(code: number): void {
    this.buf[this.pos++] = code;
  }

  /** A safe integer in decimal. */
  int(v: number): void {
    if (v < 0) {
      this.buf[this.pos++] = MINUS;
      v = -v;
    }
    if (v < 10) {
      this.buf[this.pos++] = DIGIT_0 + v;
      return;
    }
    let digits = 0;
    for (let x = v; x >= 1; x = Math.floor(x / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    for (let x = v; x >= 1; x = Math.floor(x / 10)) this.buf[--p] = DIGIT_0 + (x % 10);
  }

  /** A non-negative amount with exactly two decimals (123.4 → "123.40"). */
  cents(amount: number): void {
    const c = Math.round(amount * 100);
    this.int(Math.floor(c / 100));
    const r = c % 100;
    this.buf[this.pos++] = DOT;
    this.buf[this.pos++] = DIGIT_0 + Math.floor(r / 10);
    this.buf[this.pos++] = DIGIT_0 + (r % 10);
  }

  /** Bytes written since the last flush (for duplicating the row just written). */
  mark(): number {
    return this.pos;
  }

  /** Appends a copy of the bytes from `from` to the current end (a duplicate row). */
  repeatFrom(from: number): void {
    this.buf.copy(this.buf, this.pos, from, this.pos);
    this.pos += this.pos - from;
  }
}
