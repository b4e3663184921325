import { cpuUsage } from 'node:process';

/**
 * Wall seconds per named phase of a command, and the process's CPU seconds (user + system, every
 * thread: workers and DuckDB's included) in it, in the order first run, so a `--json` summary can
 * say where its time went on a machine whose wall times depend on its load. A phase run twice
 * adds up. Monotonic clock (performance.now).
 */
export class PhaseTimer {
  private readonly seconds = new Map<string, number>();
  private readonly cpu = new Map<string, number>();

  async time<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
    const t0 = performance.now();
    const c0 = cpuUsage();
    try {
      return await fn();
    } finally {
      const c = cpuUsage(c0);
      this.seconds.set(name, (this.seconds.get(name) ?? 0) + (performance.now() - t0) / 1000);
      this.cpu.set(name, (this.cpu.get(name) ?? 0) + (c.user + c.system) / 1e6);
    }
  }

  /** Wall seconds per phase, rounded to the millisecond. */
  wall(): Record<string, number> {
    return round(this.seconds);
  }

  /** CPU seconds per phase (all threads of the process), rounded to the millisecond. */
  cpuSeconds(): Record<string, number> {
    return round(this.cpu);
  }
}

const round = (m: Map<string, number>) => Object.fromEntries([...m].map(([k, v]) => [k, +v.toFixed(3)]));
