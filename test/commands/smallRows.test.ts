import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/main.js';
import { runCli } from '../helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'fraudctl-smallrows-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** main() with a terminal on stderr (where progress bars are drawn), collecting what it wrote. */
async function onTerminal(argv: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const err = Object.assign(new PassThrough(), { isTTY: true });
  const chunks: Buffer[] = [];
  err.on('data', (c: Buffer) => chunks.push(c));
  const code = await main(argv, { env, stdout: new PassThrough(), stderr: err, cwd: root });
  return { code, stderr: Buffer.concat(chunks).toString() };
}

describe('issue 15 small rows', () => {
  const sim = (lake: string) => ['simulate', '--start', '2025-01-01', '--days', '2', '--customers', '100', '--terminals', '100', '--lake', join(root, lake)];
  it('NO_COLOR=1 draws no progress bars on a terminal (without it, the bar is drawn)', async () => {
    const plain = await onTerminal(sim('a'), { NO_COLOR: '1' });
    const bars = await onTerminal(sim('b'), {});
    expect([plain.code, bars.code]).toEqual([0, 0]);
    expect(bars.stderr).toMatch(/\r.*\[#+/);
    expect(plain.stderr).not.toMatch(/\r|\[#+/);
  }, 60_000);

  it('--model PATH that is a file says it is a file, not a directory', async () => {
    const f = join(root, 'model.json');
    writeFileSync(f, '{}');
    const r = await runCli(['score', '--date', '2025-01-02', '--model', f, '--lake', join(root, 'a')], { cwd: root });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`--model ${f} is a file, not a model directory`);
  }, 60_000);
});
