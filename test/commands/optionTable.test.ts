import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

// Options are checked before any work: these lakes do not even exist, so any work would fail otherwise.
const dir = mkdtempSync(join(tmpdir(), 'fraudctl-options-'));
const lake = join(dir, 'no-lake');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('option tables', () => {
  it('help shows the defaults of the table, settings with their variable', async () => {
    const r = await runCli(['train', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--threshold <t>\s+score threshold of the threshold metrics \(env\s+FRAUDCTL_THRESHOLD, config threshold, default 0\.2\)/);
    expect(r.stdout).toMatch(/--trees <lo:hi>\s+range of the number of trees \(default: 50:300\)/);
  });

  it('train --register a/b is refused up front (exit 2), with the JSON error under --json', async () => {
    const r = await runCli(['train', '--lake', lake, '--tracking-uri', join(dir, 'mlruns'), '--register', 'a/b', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--register: invalid registered model name 'a/b'");
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toMatchObject({ ok: false, exitCode: 2 });
    expect(readdirSync(dir)).not.toContain('mlruns'); // nothing was created
  });

  it('train --out FILE and score --out in a missing directory: exit 2 before any work, all problems at once', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const t = await runCli(['train', '--lake', lake, '--out', file, '--register', '.x']);
    expect(t.code).toBe(2);
    expect(t.stderr).toContain('2 problems');
    expect(t.stderr).toContain(`--out: ${file} is a file; give a directory`);
    const s = await runCli(['score', '--lake', lake, '--date', '2025-01-02', '--out', join(dir, 'missing', 'x.csv')]);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain(`the directory ${join(dir, 'missing')} does not exist`);
    const e = await runCli(['score', '--lake', lake, '--date', '2025-01-02', '--out', join(dir, 'x.txt')]);
    expect(e.code).toBe(2);
    expect(e.stderr).toContain("must end in .parquet, .csv or .json, got");
  });

  it('a bad setting flag is a usage error naming the flag', async () => {
    const r = await runCli(['train', '--threshold', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("option '--threshold <t>' argument '2' is invalid");
  });
});
