/**
 * Wall seconds per named phase of a command, in the order first run, so a `--json` summary can say
 * where its time went (a phase run twice adds up). Monotonic clock (performance.now).
 */
export class PhaseTimer {
  private readonly seconds = new Map<string, number>();

  async time<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.seconds.set(name, (this.seconds.get(name) ?? 0) + (performance.now() - t0) / 1000);
    }
  }

  /** Seconds per phase, rounded to the millisecond. */
  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.seconds].map(([k, v]) => [k, +v.toFixed(3)]));
  }
}
