import { access, constants, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ExitCode, FraudctlError } from '../errors.js';
import { isDay, type Day } from '../util/dates.js';
import { partitionKey, type Dataset, type Lake } from './lake.js';
import { atomicWrite, removeDeadTemps } from '../util/atomicWrite.js';
import { acquireLock, type Lock } from '../util/lock.js';
import type { Logger } from '../log.js';

export class LocalLake implements Lake {
  readonly kind = 'local' as const;
  private readonly root: string;

  constructor(readonly uri: string, cwd = process.cwd()) {
    this.root = resolve(cwd, uri.startsWith('file://') ? uri.slice('file://'.length) : uri);
  }

  path(ds: Dataset, day: Day): string {
    return join(this.root, partitionKey(ds, day));
  }

  partitionUri(ds: Dataset, day: Day): string {
    return this.path(ds, day);
  }

  async listDays(ds: Dataset): Promise<Day[]> {
    await this.requireRoot();
    let entries: string[];
    try {
      entries = await readdir(join(this.root, ds));
    } catch {
      return [];
    }
    const days: Day[] = [];
    for (const e of entries) {
      const day = e.startsWith('date=') ? e.slice(5) : '';
      if (isDay(day) && (await this.has(ds, day))) days.push(day);
    }
    return days.sort();
  }

  async listFolders(prefix: string): Promise<string[]> {
    try {
      const entries = await readdir(join(this.root, prefix), { withFileTypes: true });
      return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
    } catch {
      return [];
    }
  }

  async has(ds: Dataset, day: Day): Promise<boolean> {
    try {
      return (await stat(this.path(ds, day))).isFile();
    } catch {
      return false;
    }
  }

  async pathsForRead(ds: Dataset, days: Day[]): Promise<string[]> {
    const missing: Day[] = [];
    for (const d of days) if (!(await this.has(ds, d))) missing.push(d);
    if (missing.length > 0) {
      throw new FraudctlError(`${ds} partitions missing in ${this.uri}: ${missing.join(', ')}`, ExitCode.Data);
    }
    return days.map((d) => this.path(ds, d));
  }

  async writePartition(ds: Dataset, day: Day, produce: (tmpPath: string) => Promise<void>): Promise<void> {
    const final = this.path(ds, day);
    await mkdir(dirname(final), { recursive: true });
    await atomicWrite(final, produce);
  }

  async removeDeadTemps(ds: Dataset, day: Day): Promise<void> {
    await removeDeadTemps(dirname(this.path(ds, day)));
  }

  async removePartition(ds: Dataset, day: Day): Promise<void> {
    // The file first: a partition without its file is no longer listed, whatever happens to the folder.
    await rm(this.path(ds, day), { force: true });
    await rm(dirname(this.path(ds, day)), { recursive: true, force: true });
  }

  async lock(name: string, what: string, log?: Logger): Promise<Lock> {
    return acquireLock(join(this.root, '_locks', `${name}.lock`), what, log);
  }

  async ensureWritable(o: { create?: boolean } = {}): Promise<void> {
    if (!o.create) await this.requireRoot();
    try {
      await mkdir(this.root, { recursive: true });
      await access(this.root, constants.W_OK);
    } catch (e) {
      throw new FraudctlError(`lake ${this.uri} is not writable: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, ExitCode.Usage, {
        hint: 'pass --lake DIR (or FRAUDCTL_LAKE) pointing at a directory you can write',
      });
    }
  }

  private rootSeen = false;
  /** A lake that does not exist is a wrong --lake (exit 2), not an empty lake: reading it must not pass for "no data yet". */
  private async requireRoot(): Promise<void> {
    if (this.rootSeen) return;
    const st = await stat(this.root).catch(() => undefined);
    if (!st?.isDirectory()) {
      throw new FraudctlError(`lake ${this.uri} does not exist${this.uri === this.root ? '' : ` (${this.root})`}`, ExitCode.Usage, {
        hint: st ? 'it is a file: --lake / FRAUDCTL_LAKE must name a directory' : 'check --lake / FRAUDCTL_LAKE (README "Configuration"); `fraudctl simulate` or `fraudctl ingest` creates a lake',
      });
    }
    this.rootSeen = true;
  }
}
