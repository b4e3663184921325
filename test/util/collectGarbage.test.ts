import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../../src/util/collectGarbage.js';

describe('collectGarbage', () => {
  it('frees a dropped typed array at once (its bytes leave process.memoryUsage().arrayBuffers)', () => {
    collectGarbage();
    const before = process.memoryUsage().arrayBuffers;
    let big: Float64Array | undefined = new Float64Array(25_000_000).fill(1);
    expect(process.memoryUsage().arrayBuffers - before).toBeGreaterThanOrEqual(190_000_000);
    expect(big[123]).toBe(1);
    big = undefined;
    collectGarbage();
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(10_000_000);
  });
});
