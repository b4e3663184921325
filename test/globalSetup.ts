// Every temporary directory the suite makes (mkdtemp under os.tmpdir(), by tests, by fraudctl
// itself and by the servers it starts) goes under one root that is removed when the run ends, so a
// run leaves nothing in /tmp. FRAUDCTL_KEEP_TEST_TMP=1 keeps the root for a post-mortem.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'fraudctl-test-'));
  // Workers and every child process inherit TMPDIR; os.tmpdir() reads it on each call.
  process.env.TMPDIR = root;
  return () => {
    if (process.env.FRAUDCTL_KEEP_TEST_TMP === '1') {
      console.log(`test temporary files kept in ${root}`);
      return;
    }
    rmSync(root, { recursive: true, force: true, maxRetries: 3, retryDelay: 200 });
  };
}
