import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { allCommands } from '../helpers/commands.js';

const COMMANDS = allCommands();

const dir = mkdtempSync(join(tmpdir(), 'fraudctl-usage-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The fewest arguments each command parses with (its required options and arguments).
const MINIMAL: Record<string, string[]> = {
  demo: ['--dir', join(dir, 'demo')],
  simulate: ['--start', '2025-01-01', '--days', '1'],
  ingest: [join(dir, 'dump.txt')],
  'lake ls': [],
  'lake sync': ['--from', join(dir, 'a'), '--to', join(dir, 'b')],
  'marts build': ['--date', '2025-01-01'],
  'marts show': ['--date', '2025-01-01', '--customer', '1'],
  train: [],
  backtest: ['--from', '2025-01-01', '--to', '2025-01-02'],
  score: ['--date', '2025-01-01'],
  explain: ['--date', '2025-01-01', '--top', '1'],
  report: ['--out', join(dir, 'report.html')],
  daily: ['--date', '2025-01-01'],
  'mlflow runs': [],
  'mlflow models': [],
  'mlflow promote': ['fraud-detector', '1'],
  config: [],
};

function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trimEnd().split('\n');
  expect(lines).toHaveLength(1); // the error object and nothing else
  return JSON.parse(lines[0]) as Record<string, unknown>;
}

describe('usage errors with --json: the JSON error object on stdout, exit 2, for every command', () => {
  it('the loop covers every command of the program', () => {
    expect(COMMANDS.length).toBeGreaterThanOrEqual(17);
    expect(COMMANDS.filter((c) => !(c in MINIMAL))).toEqual([]);
  });

  it.each(COMMANDS)('%s: an unknown flag (found by the parser)', async (command) => {
    const r = await runCli([...command.split(' '), ...MINIMAL[command], '--no-such-flag', '--json', '--lake', join(dir, 'lake')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--no-such-flag'");
    expect(lastJson(r.stdout)).toEqual({ ok: false, exitCode: 2, error: "unknown option '--no-such-flag'" });
  });

  it.each(COMMANDS)('%s: a missing --config file (found when the configuration resolves, before any work)', async (command) => {
    const missing = join(dir, 'missing.json');
    const r = await runCli([...command.split(' '), ...MINIMAL[command], '--config', missing, '--json', '--lake', join(dir, 'lake')]);
    expect(r.code, r.stderr).toBe(2);
    expect(lastJson(r.stdout)).toEqual({ ok: false, exitCode: 2, error: `configuration: config file ${missing} does not exist` });
    expect(readdirSync(dir)).toEqual([]); // nothing was created: no lake, no store, no demo directory
  });

  it('a bad option value and a broken option check say the same under --json as on stderr', async () => {
    const bad = await runCli(['score', '--date', '2025-02-30', '--json']);
    expect(bad.code).toBe(2);
    expect(lastJson(bad.stdout)).toMatchObject({ ok: false, exitCode: 2, error: expect.stringContaining("option '--date <date>' argument '2025-02-30' is invalid") });
    const both = await runCli(['marts', 'build', '--date', '2025-01-01', '--from', '2025-01-01', '--to', '2025-01-02', '--json', '--lake', join(dir, 'lake')]);
    expect(both.code).toBe(2);
    expect(lastJson(both.stdout)).toEqual({ ok: false, exitCode: 2, error: 'give either --date D or --from D1 --to D2, not both' });
    expect(both.stderr).toContain('fraudctl: give either --date D or --from D1 --to D2, not both');
  });

  it('options checked by the validators the cores use, before any lake or store is opened', async () => {
    const lake = ['--lake', join(dir, 'lake'), '--tracking-uri', join(dir, 'mlruns')];
    const cases: [string[], string][] = [
      [['explain', '--date', '2025-01-01'], 'give --transaction ID or --top N (one of them)'],
      [['report', '--out', join(dir, 'r.html'), '--model', 'models:/x'], "--model: model URI 'models:/x' is not models:/NAME@ALIAS or models:/NAME/VERSION"],
      [['report', '--out', join(dir, 'r.html'), '--run', 'abc', '--model', 'models:/m/1'], 'give --run or --model, not both'],
      [['daily', '--date', '2025-01-01', '--engine', 'spark', '--spark-remote', 'http://spark:15002'], '--spark-remote http://spark:15002: not a Spark Connect address'],
      [['daily', '--date', '2025-01-01', '--engine', 'spark'], '--engine spark needs a Spark Connect server'],
      [['mlflow', 'promote', 'a/b', '1'], "invalid registered model name 'a/b'"],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli([...argv, ...lake, '--json']);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(String(lastJson(r.stdout).error)).toContain(message);
    }
    expect(readdirSync(dir)).toEqual([]);
  });
});
