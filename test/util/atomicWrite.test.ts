import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { atomicWrite, atomicWriteFile, atomicWriteFileSync } from '../../src/util/atomicWrite.js';

const dir = mkdtempSync(join(tmpdir(), 'fraudctl-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('atomicWrite', () => {
  it('replaces the target whole and leaves no temporary file', async () => {
    const p = join(dir, 'a.txt');
    writeFileSync(p, 'old');
    await atomicWriteFile(p, 'new');
    atomicWriteFileSync(join(dir, 'b.txt'), 'sync');
    expect(readFileSync(p, 'utf8')).toBe('new');
    expect(readFileSync(join(dir, 'b.txt'), 'utf8')).toBe('sync');
    expect(readdirSync(dir).sort()).toEqual(['a.txt', 'b.txt']);
  });

  it('a failing writer leaves the old file and removes its half-written temporary', async () => {
    const p = join(dir, 'a.txt');
    let seen = '';
    await expect(
      atomicWrite(p, async (tmp) => {
        seen = tmp;
        await writeFile(tmp, 'half');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(seen).toMatch(new RegExp(`/\\.a\\.txt\\.${process.pid}\\.[0-9a-f]{8}\\.tmp$`));
    expect(readFileSync(p, 'utf8')).toBe('new');
    expect(readdirSync(dir).sort()).toEqual(['a.txt', 'b.txt']);
  });
});
