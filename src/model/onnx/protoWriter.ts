/**
 * The few protobuf wire-format pieces an ONNX file needs (varints, length-delimited fields, packed
 * repeated numbers). Writing them is a page of code; a protobuf library plus onnx.proto would be a
 * run-time dependency for one file format fraudctl only ever writes.
 */
export class ProtoWriter {
  private chunks: Buffer[] = [];

  private varint(v: number | bigint): void {
    let n = BigInt.asUintN(64, BigInt(v));
    const bytes: number[] = [];
    do {
      let b = Number(n & 0x7fn);
      n >>= 7n;
      if (n !== 0n) b |= 0x80;
      bytes.push(b);
    } while (n !== 0n);
    this.chunks.push(Buffer.from(bytes));
  }

  private key(field: number, wire: 0 | 1 | 2 | 5): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, v: number): this {
    this.key(field, 0);
    this.varint(v);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }

  bytes(field: number, b: Buffer): this {
    this.key(field, 2);
    this.varint(b.length);
    this.chunks.push(b);
    return this;
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const w = new ProtoWriter();
    build(w);
    return this.bytes(field, w.finish());
  }

  float(field: number, v: number): this {
    this.key(field, 5);
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.chunks.push(b);
    return this;
  }

  packedInts(field: number, values: ArrayLike<number>): this {
    const w = new ProtoWriter();
    for (let i = 0; i < values.length; i++) w.varint(values[i]);
    return this.bytes(field, w.finish());
  }

  packedDoubles(field: number, values: ArrayLike<number>): this {
    const b = Buffer.alloc(values.length * 8);
    for (let i = 0; i < values.length; i++) b.writeDoubleLE(values[i], i * 8);
    return this.bytes(field, b);
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
