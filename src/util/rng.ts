/**
 * Seeded pseudo-random numbers (xoshiro128**, seeded through splitmix32). Every random choice in
 * fraudctl — simulation, sampling, bootstrap, feature draws, TPE — comes from one of these, so the
 * same seed gives the same result on every machine and at every thread count.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = NaN;

  /** `seed` and any number of stream ids (e.g. trial number, tree index) select independent streams. */
  constructor(seed: number, ...streams: number[]) {
    let h = (seed >>> 0) ^ 0x9e3779b9;
    for (const s of streams) h = Math.imul(h ^ (s >>> 0), 0x85ebca6b) ^ Math.imul((s / 4294967296) >>> 0, 0xc2b2ae35);
    const next = () => {
      h = (h + 0x9e3779b9) | 0;
      let z = h;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    // Held as int32 (the bits are what matter): V8 keeps such fields unboxed, uint32 ones it boxes.
    this.a = next() | 0;
    this.b = next() | 0;
    this.c = next() | 0;
    this.d = next() | 0;
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** out[0…count) = the next `count` values of u32(), in order (the state in locals: ~3× faster). */
  fillU32(out: Uint32Array, count: number): void {
    let { a, b, c, d } = this;
    for (let k = 0; k < count; k++) {
      out[k] = Math.imul(rotl(Math.imul(b, 5), 7), 9);
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = rotl(d, 11);
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
  }

  /** The generator's state, four int32 (for a kernel that runs it elsewhere, e.g. in wasm). */
  state(): [number, number, number, number] {
    return [this.a, this.b, this.c, this.d];
  }

  /** Puts back a state from state() (or one a kernel advanced with the same steps). */
  setState(s: ArrayLike<number>): void {
    this.a = s[0] | 0;
    this.b = s[1] | 0;
    this.c = s[2] | 0;
    this.d = s[3] | 0;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n), n ≤ 2^32, without modulo bias. */
  int(n: number): number {
    if (n <= 0) throw new RangeError(`Rng.int needs n > 0, got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    let x = this.u32();
    while (x >= limit) x = this.u32();
    return x % n;
  }

  /** Standard normal (Marsaglia polar method, caching the second value). */
  normal(mean = 0, std = 1): number {
    if (!Number.isNaN(this.spare)) {
      const z = this.spare;
      this.spare = NaN;
      return mean + std * z;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return mean + std * u * f;
  }

  /** Poisson(lambda): Knuth's product method (fraudctl's rates are small, at most a few per day). */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda > 30) return Math.max(0, Math.round(this.normal(lambda, Math.sqrt(lambda))));
    const l = Math.exp(-lambda);
    let k = 0;
    let p = this.next();
    while (p > l) {
      k += 1;
      p *= this.next();
    }
    return k;
  }

  /** k distinct integers from [0, n) (Floyd's algorithm), in draw order. */
  sample(n: number, k: number): number[] {
    if (k > n) throw new RangeError(`cannot sample ${k} of ${n}`);
    const chosen = new Set<number>();
    const out: number[] = [];
    for (let j = n - k; j < n; j++) {
      const t = this.int(j + 1);
      const v = chosen.has(t) ? j : t;
      chosen.add(v);
      out.push(v);
    }
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
