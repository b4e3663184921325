import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/main.js';

function listFiles(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(suffix) && !f.includes('.terraform'))
    .map((f) => join(dir, f))
    .sort();
}

const SCRIPTS = listFiles('infra', '.sh');
const hasShellcheck = spawnSync('sh', ['-c', 'command -v shellcheck'], { stdio: 'ignore' }).status === 0;

describe('shell scripts', () => {
  it('are the ones the VMs run', () => {
    expect(SCRIPTS).toEqual(['infra/airflow/setup-airflow-vm.sh', 'infra/fraudctl/install-fraudctl.sh', 'infra/mlflow/setup-mlflow-vm.sh', 'infra/terraform/dataproc/spark-connect-init.sh']);
  });

  for (const script of SCRIPTS) {
    it(`${script}: bash -n, strict mode, executable`, () => {
      execFileSync('bash', ['-n', script]);
      const text = readFileSync(script, 'utf8');
      expect(text.startsWith('#!/usr/bin/env bash\n')).toBe(true);
      expect(text).toMatch(/^set -euo pipefail$/m);
      expect(statSync(script).mode & 0o100).toBe(0o100);
    });
    it.skipIf(!hasShellcheck)(`${script}: shellcheck`, () => {
      const r = spawnSync('shellcheck', ['--severity=style', script], { encoding: 'utf8' });
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
    });
  }
});

describe('MLflow VM set-up (rendered)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fraudctl-mlflow-'));
  const settings = join(dir, 'setup.env');
  // Every character that means something in a URI, in the password.
  writeFileSync(
    settings,
    ['PG_HOST=c-abc123.rw.mdb.yandexcloud.net', 'PG_DB=mlflow', 'PG_USER=mlflow', "PG_PASSWORD='p@ss:w/rd%#?&+x'", 'ARTIFACTS_BUCKET=fraud-artifacts', 'AWS_ACCESS_KEY_ID=YCAJE-key', 'AWS_SECRET_ACCESS_KEY=YCsecret'].join('\n') + '\n',
  );
  // A bare environment: only the settings file may feed the result.
  const bare = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  execFileSync('bash', ['infra/mlflow/setup-mlflow-vm.sh', '--render-only', join(dir, 'root'), settings], { stdio: 'pipe', env: bare });
  const envPath = join(dir, 'root/etc/mlflow/mlflow.env');
  const env = Object.fromEntries(
    readFileSync(envPath, 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z0-9_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const unit = readFileSync(join(dir, 'root/etc/systemd/system/mlflow.service'), 'utf8');

  it('backend URI: postgresql://, percent-encoded password, port 6432, verify-full with the CA', () => {
    const uri = new URL(env.MLFLOW_BACKEND_STORE_URI);
    expect(uri.protocol).toBe('postgresql:');
    expect(uri.password).toBe('p%40ss%3Aw%2Frd%25%23%3F%26%2Bx');
    expect(decodeURIComponent(uri.password)).toBe('p@ss:w/rd%#?&+x');
    expect(uri.hostname).toBe('c-abc123.rw.mdb.yandexcloud.net');
    expect(uri.port).toBe('6432');
    expect(uri.pathname).toBe('/mlflow');
    expect(uri.searchParams.get('sslmode')).toBe('verify-full');
    expect(uri.searchParams.get('sslrootcert')).toBe('/etc/mlflow/postgresql/root.crt');
  });

  it('S3 settings for Yandex Object Storage, in a 0600 file', () => {
    expect(env).toMatchObject({ MLFLOW_S3_ENDPOINT_URL: 'https://storage.yandexcloud.net', AWS_ACCESS_KEY_ID: 'YCAJE-key', AWS_SECRET_ACCESS_KEY: 'YCsecret', AWS_DEFAULT_REGION: 'ru-central1' });
    expect(statSync(envPath).mode & 0o777).toBe(0o600);
  });

  it('a systemd service: mlflow server on 0.0.0.0:8000, s3 artifact root, restarted on failure', () => {
    expect(unit).toContain('EnvironmentFile=/etc/mlflow/mlflow.env');
    expect(unit).toMatch(/^ExecStart=\/opt\/mlflow\/venv\/bin\/mlflow server --backend-store-uri \$\{MLFLOW_BACKEND_STORE_URI\} --default-artifact-root s3:\/\/fraud-artifacts\/artifacts -h 0\.0\.0\.0 -p 8000 /m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^User=mlflow$/m);
    expect(unit).toMatch(/^WantedBy=multi-user.target$/m);
    expect(unit).not.toContain('YCsecret');
  });

  it('refuses settings with something missing, naming it (exit 2)', () => {
    const bad = join(dir, 'bad.env');
    writeFileSync(bad, 'PG_HOST=h\nPG_DB=d\n');
    const r = spawnSync('bash', ['infra/mlflow/setup-mlflow-vm.sh', '--render-only', join(dir, 'bad'), bad], { encoding: 'utf8', env: bare });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('PG_USER PG_PASSWORD ARTIFACTS_BUCKET AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY');
  });
});

describe('Airflow VM set-up (rendered units)', () => {
  const units = (version: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'fraudctl-airflow-'));
    writeFileSync(join(dir, 'setup.env'), `AIRFLOW_VERSION=${version}\n`);
    execFileSync('bash', ['infra/airflow/setup-airflow-vm.sh', '--render-only', join(dir, 'root'), join(dir, 'setup.env')], { stdio: 'pipe' });
    const unitDir = join(dir, 'root/etc/systemd/system');
    return Object.fromEntries(readdirSync(unitDir).map((f) => [f, readFileSync(join(unitDir, f), 'utf8')]));
  };

  it('Airflow 2: scheduler and webserver', () => {
    const u = units('2.10.5');
    expect(Object.keys(u).sort()).toEqual(['airflow-scheduler.service', 'airflow-webserver.service']);
    expect(u['airflow-webserver.service']).toContain('ExecStart=/opt/airflow/venv/bin/airflow webserver --port 8080');
    for (const text of Object.values(u)) {
      expect(text).toMatch(/^Restart=on-failure$/m);
      expect(text).toMatch(/^User=airflow$/m);
    }
  });

  it('Airflow 3: scheduler, api-server and the separate dag-processor', () => {
    const u = units('3.0.2');
    expect(Object.keys(u).sort()).toEqual(['airflow-api-server.service', 'airflow-dag-processor.service', 'airflow-scheduler.service']);
    expect(u['airflow-api-server.service']).toContain('ExecStart=/opt/airflow/venv/bin/airflow api-server --port 8080');
    expect(u['airflow-dag-processor.service']).toContain('ExecStart=/opt/airflow/venv/bin/airflow dag-processor\n');
  });
});

describe('cron job', () => {
  const text = readFileSync('infra/cron/fraudctl.cron', 'utf8');
  const lines = text.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  const jobs = lines.filter((l) => !/^[A-Z0-9_]+=/.test(l));
  const [job] = jobs;
  const fields = job.split(/\s+/);
  const command = fields.slice(6).join(' ');

  it('one daily job at 03:00 as the fraudctl user, with a fixed PATH', () => {
    expect(jobs).toHaveLength(1);
    expect(fields.slice(0, 6)).toEqual(['0', '3', '*', '*', '*', 'fraudctl']);
    expect(lines).toContain('PATH=/usr/local/bin:/usr/bin:/bin');
    expect(text.endsWith('\n')).toBe(true); // cron ignores a last line without a newline
  });

  it('locks, loads the env file, uses absolute paths and appends logs', () => {
    expect(command.startsWith('/usr/bin/flock -n /run/lock/fraudctl-daily.lock ')).toBe(true);
    expect(command).toContain('. /etc/fraudctl/fraudctl.env');
    expect(command).toContain('exec /usr/local/bin/fraudctl daily --date "$(/usr/bin/date -d yesterday +\\%F)" --json');
    expect(command).toMatch(/ 2>>\/var\/log\/fraudctl\/fraudctl\.jsonl$/);
    // cron turns an unescaped % into a newline.
    expect(command.replace(/\\%/g, '')).not.toContain('%');
  });

  // Runs the command as cron would (\% → %, then /bin/sh -c), with the paths moved to a temp dir
  // and a stub fraudctl that records its argv and one setting from the env file.
  const dir = mkdtempSync(join(tmpdir(), 'fraudctl-cron-'));
  const stub = join(dir, 'fraudctl');
  writeFileSync(stub, `#!/bin/sh\nnode -e 'process.stdout.write(JSON.stringify({argv: process.argv.slice(1), lake: process.env.FRAUDCTL_LAKE}))' -- "$@" > ${dir}/called.json\necho '{"ok":true}'\necho '{"level":30}' >&2\n`);
  chmodSync(stub, 0o755);
  writeFileSync(join(dir, 'fraudctl.env'), 'FRAUDCTL_LAKE=s3://lake/prod\n');
  const local = command
    .replace(/\\%/g, '%')
    .replaceAll('/usr/local/bin/fraudctl', stub)
    .replaceAll('/etc/fraudctl/fraudctl.env', join(dir, 'fraudctl.env'))
    .replaceAll('/run/lock/', `${dir}/`)
    .replaceAll('/var/log/fraudctl/', `${dir}/`);
  const lock = join(dir, 'fraudctl-daily.lock');

  it('runs fraudctl daily for yesterday with the env file loaded; the command line parses', async () => {
    const r = spawnSync('/bin/sh', ['-c', local], { encoding: 'utf8', env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: dir } });
    expect(r.status).toBe(0);
    const called = JSON.parse(readFileSync(join(dir, 'called.json'), 'utf8')) as { argv: string[]; lake: string };
    const yesterday = execFileSync('date', ['-d', 'yesterday', '+%F'], { encoding: 'utf8' }).trim();
    expect(called).toEqual({ argv: ['daily', '--date', yesterday, '--json'], lake: 's3://lake/prod' });
    expect(readFileSync(join(dir, 'daily.jsonl'), 'utf8')).toBe('{"ok":true}\n');
    expect(readFileSync(join(dir, 'fraudctl.jsonl'), 'utf8')).toBe('{"level":30}\n');
    const parsed = await parseCommandLine(called.argv);
    expect(parsed.command).toBe('daily');
    expect(parsed.opts).toMatchObject({ date: yesterday, json: true });
  });

  it('exits at once without running fraudctl while the lock is held', async () => {
    const holder = spawn('flock', [lock, 'sleep', '20'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      writeFileSync(join(dir, 'called.json'), 'not called');
      const started = Date.now();
      const r = spawnSync('/bin/sh', ['-c', local], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(readFileSync(join(dir, 'called.json'), 'utf8')).toBe('not called');
    } finally {
      holder.kill('SIGTERM');
    }
  });
});
