import { describe, expect, it } from 'vitest';
import { ProtoWriter } from '../../../src/model/onnx/protoWriter.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// The protobuf encoding guide's own examples (protobuf.dev/programming-guides/encoding): a varint is
// base 128, low group first, the high bit set on every byte but the last; a key is field << 3 | wire type.
describe('ProtoWriter', () => {
  it('writes varints as the encoding guide does (1, 150, 300, 2^31, 2^53 - 1, and -1 as ten bytes)', () => {
    expect(hex(new ProtoWriter().int(1, 150).finish())).toBe('089601');
    expect(hex(new ProtoWriter().int(1, 1).int(2, 300).finish())).toBe('0801' + '10ac02');
    expect(hex(new ProtoWriter().int(1, 2 ** 31).finish())).toBe('08' + '8080808008');
    expect(hex(new ProtoWriter().int(1, Number.MAX_SAFE_INTEGER).finish())).toBe('08' + 'ffffffffffffff0f');
    expect(hex(new ProtoWriter().int(1, -1).finish())).toBe('08' + 'ffffffffffffffffff01');
  });

  it('writes length-delimited fields: a string, a nested message, packed ints and packed doubles', () => {
    expect(hex(new ProtoWriter().string(2, 'testing').finish())).toBe('1207' + Buffer.from('testing').toString('hex'));
    expect(hex(new ProtoWriter().message(3, (m) => m.int(1, 150)).finish())).toBe('1a03' + '089601');
    expect(hex(new ProtoWriter().packedInts(4, [3, 270, 86942]).finish())).toBe('2206' + '03' + '8e02' + '9ea705');
    const d = Buffer.alloc(16);
    d.writeDoubleLE(1.5, 0);
    d.writeDoubleLE(-0.25, 8);
    expect(hex(new ProtoWriter().packedDoubles(5, [1.5, -0.25]).finish())).toBe('2a10' + d.toString('hex'));
  });

  it('grows its buffer past the first allocation without losing bytes (a 100 000-value packed field)', () => {
    const values = Array.from({ length: 100_000 }, (_, i) => i);
    const out = new ProtoWriter().int(1, 7).packedInts(2, values).int(3, 9).finish();
    // 128 one-byte varints, 16 256 of two bytes, 83 616 of three.
    const payload = 128 + 2 * (16384 - 128) + 3 * (100_000 - 16384);
    expect(out.length).toBe(2 + 1 + 3 + payload + 2);
    // 283 488 = 17·128² + 38·128 + 96: bytes 96 | 128, 38 | 128, 17.
    expect(payload).toBe(283_488);
    expect(hex(out.subarray(0, 6))).toBe('0807' + '12' + 'e0a611');
    expect(out[6 + 127]).toBe(127);
    expect(hex(out.subarray(6 + 128, 6 + 130))).toBe('8001');
    expect(hex(out.subarray(out.length - 2))).toBe('1809');
  });
});
