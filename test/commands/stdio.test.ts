import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The built binary, as a scheduler or a shell pipeline runs it.
const bin = fileURLToPath(new URL('../../bin/fraudctl', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'fraudctl-stdio-'));
const env = { ...process.env, CI: '1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' } as Record<string, string | undefined>;
delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;

beforeAll(() => {
  execFileSync(bin, ['simulate', '--start', '2025-01-01', '--days', '2', '--customers', '200', '--terminals', '100', '--quiet'], { cwd: dir, env });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('stdout and stderr of the binary', () => {
  it('a reader that went away (lake ls | true) is a quiet stop: exit 0, nothing on stderr', () => {
    const r = spawnSync('bash', ['-c', `"${bin}" lake ls 2>err.txt | true; echo "\${PIPESTATUS[0]}"; cat err.txt`], { cwd: dir, env, encoding: 'utf8' });
    const [code, ...stderr] = r.stdout.split('\n');
    expect(code).toBe('0');
    expect(stderr.join('\n')).not.toMatch(/EPIPE|Unhandled|error/i);
  });

  const s3 = ['lake', 'ls', '--lake', 's3://b/p', '--s3-endpoint', 'http://127.0.0.1:1', '--quiet'];
  const major = Number(process.versions.node.split('.')[0]);
  it.runIf(major < 22)('an S3 command on Node < 22 prints no NodeVersionSupportWarning (the control with the SDK switch off does)', () => {
    const quiet = spawnSync(bin, s3, { cwd: dir, env, encoding: 'utf8' });
    expect(quiet.status).toBe(4);
    expect(quiet.stderr).not.toMatch(/NodeVersionSupportWarning/);
    const loud = spawnSync(bin, s3, { cwd: dir, env: { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' }, encoding: 'utf8' });
    expect(loud.stderr).toMatch(/NodeVersionSupportWarning/);
  }, 60_000);
});
