import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../mlflow/realServer.js';

const run = promisify(execFile);

/** A throw-away PostgreSQL server (Debian's, started from initdb in a temp dir) on 127.0.0.1. */
export interface Postgres {
  /** postgresql://USER:PASSWORD@127.0.0.1:PORT/DB, the URI MLflow's --backend-store-uri takes. */
  uri: string;
  password: string;
  close(): Promise<void>;
}

/** initdb / pg_ctl on PATH, else the newest /usr/lib/postgresql/N/bin (Debian keeps them there). */
export function findPgBin(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, name))) return join(dir, name);
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(root, v, 'bin', name))) return join(root, v, 'bin', name);
  throw new Error(`PostgreSQL's ${name} was not found on PATH or in /usr/lib/postgresql/*/bin: install Debian's postgresql (scripts/test-setup.sh does, from scripts/apt-packages.txt)`);
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user (or nobody), owning the dir. */
function asServerUser(dir: string): (cmd: string, args: string[]) => [string, string[]] {
  if (userInfo().uid !== 0) return (cmd, args) => [cmd, args];
  const users = readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => l.split(':'));
  const entry = users.find((u) => u[0] === 'postgres') ?? users.find((u) => u[0] === 'nobody');
  if (!entry) throw new Error('running as root, and neither a postgres nor a nobody user exists to run PostgreSQL as');
  chownSync(dir, Number(entry[2]), Number(entry[3]));
  return (cmd, args) => ['runuser', ['-u', entry[0], '--', cmd, ...args]];
}

export async function startPostgres(): Promise<Postgres> {
  const initdb = findPgBin('initdb');
  const pgCtl = findPgBin('pg_ctl');
  const dir = mkdtempSync(join(tmpdir(), 'fraudctl-pg-'));
  const wrap = asServerUser(dir);
  const data = join(dir, 'data');
  // A random password: the tests check it never shows in fraudctl's output.
  const password = `pg-${Math.random().toString(36).slice(2, 10)}`;
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o644 });
  const port = await freePort();
  const exec = async (cmd: string, args: string[]) => {
    const [c, a] = wrap(cmd, args);
    await run(c, a, { cwd: dir });
  };
  await exec(initdb, ['-D', data, '-U', 'fraudctl', '--pwfile', pwfile, '--auth', 'scram-sha-256', '-E', 'UTF8', '--no-instructions']);
  rmSync(pwfile);
  const opts = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c fsync=off -c max_connections=40`;
  await exec(pgCtl, ['-D', data, '-l', join(dir, 'log'), '-o', opts, '-w', '-t', '60', 'start']);
  return {
    uri: `postgresql://fraudctl:${password}@127.0.0.1:${port}/postgres`,
    password,
    close: async () => {
      await exec(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
