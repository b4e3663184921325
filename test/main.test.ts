import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

describe('main', () => {
  it('prints help and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: fraudctl');
    expect(r.stdout).toContain('Exit codes');
  });

  it('exits 2 on an unknown flag, naming it', async () => {
    const r = await runCli(['config', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--bogus'");
  });

  it('exits 2 on an unknown command', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
  });
});

describe('config precedence and validation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fraudctl-config-'));
  writeFileSync(join(dir, 'fraudctl.config.json'), JSON.stringify({ lake: '/from/file', delay: 5, threads: 3 }));

  it('flag > env > file > default, and says where each came from', async () => {
    const r = await runCli(['config', '--json', '--lake', '/from/flag'], { cwd: dir, env: { FRAUDCTL_DELAY: '6' } });
    expect(r.code).toBe(0);
    const values = r.json!.values as Record<string, { value: string; source: string }>;
    expect(values.lake).toEqual({ value: '/from/flag', source: 'flag (--lake)' });
    expect(values.delay).toEqual({ value: '6', source: 'env (FRAUDCTL_DELAY)' });
    expect(values.threads.value).toBe('3');
    expect(values.threads.source).toMatch(/^file/);
    expect(values.threshold).toEqual({ value: '0.2', source: 'default' });
  });

  it('reports every problem at once, exit 2', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'fraudctl-config-'));
    writeFileSync(join(bad, 'fraudctl.config.json'), JSON.stringify({ threads: 0, lakes: 'x', awsSecretAccessKey: 'k' }));
    const r = await runCli(['config'], { cwd: bad, env: { FRAUDCTL_THRESHOLD: '2' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('configuration has 4 problems');
    expect(r.stderr).toContain("unknown key 'lakes'");
    expect(r.stderr).toContain('threads must be an integer >= 1');
    expect(r.stderr).toContain('threshold must be a number >= 0 and <= 1');
    expect(r.stderr).toContain('awsSecretAccessKey is a secret');
  });

  it('masks secrets', async () => {
    const r = await runCli(['config'], { env: { AWS_SECRET_ACCESS_KEY: 'supersecretvalue', MLFLOW_TRACKING_PASSWORD: 'hunter22' } });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('supersecretvalue');
    expect(r.stdout).not.toContain('hunter22');
    expect(r.stdout).toMatch(/awsSecretAccessKey\s+su\*\*\*\*/);
  });

  it('a missing explicit --config file is an error', async () => {
    const r = await runCli(['config', '--config', '/nonexistent/x.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/nonexistent/x.json does not exist');
  });
});

describe('version', () => {
  it('--version prints the version of package.json', async () => {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });
});
