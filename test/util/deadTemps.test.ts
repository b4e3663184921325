import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { atomicWriteFile } from '../../src/util/atomicWrite.js';

const dir = mkdtempSync(join(tmpdir(), 'fraudctl-deadtemps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has exited (the kernel does not reuse it this quickly). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('temporaries of dead writers', () => {
  it('are removed by the next write to that directory; those of live writers and other files stay', async () => {
    const dead = deadPid();
    const deadTmp = `.data.parquet.${dead}.0badc0de.tmp`;
    const liveTmp = `.data.parquet.${process.ppid}.0123abcd.tmp`; // our parent is alive: a concurrent writer
    writeFileSync(join(dir, deadTmp), 'half');
    writeFileSync(join(dir, liveTmp), 'in progress');
    writeFileSync(join(dir, '.hidden-user-file'), 'not ours');
    await atomicWriteFile(join(dir, 'data.parquet'), 'whole');
    expect(readdirSync(dir).sort()).toEqual(['.data.parquet.' + process.ppid + '.0123abcd.tmp', '.hidden-user-file', 'data.parquet'].sort());
  });
});
