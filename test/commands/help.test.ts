import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { allCommands } from '../helpers/commands.js';

describe('--help of every command', () => {
  it.each(allCommands())('%s --help: exit 0, its options, and examples that run the command itself', async (command) => {
    const r = await runCli([...command.split(' '), '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: fraudctl ${command}`);
    expect(r.stdout).toContain('Examples:');
    const examples = r.stdout.split('Examples:')[1].split('\n').filter((l) => l.trim().startsWith('$ '));
    expect(examples.length).toBeGreaterThanOrEqual(1);
    // An example may set variables first (MLFLOW_TRACKING_URI=… fraudctl …) or wrap it (flock … fraudctl …).
    for (const e of examples) expect(e).toContain(`fraudctl ${command}`);
  });

  it('a setting names its variable, config key and default in every command that takes it', async () => {
    for (const command of ['train', 'score', 'daily', 'backtest']) {
      const r = await runCli([...command.split(' '), '--help']);
      expect(r.stdout.replace(/\s+/g, ' '), command).toContain('(env FRAUDCTL_THRESHOLD, config threshold, default 0.2)');
      expect(r.stdout.replace(/\s+/g, ' '), command).toContain('(env FRAUDCTL_DELAY, config delay, default 7)');
    }
  });
});
