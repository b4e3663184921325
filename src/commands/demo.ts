import { resolve, join } from 'node:path';
import { examples, intArg } from './args.js';
import type { CommandDef } from './types.js';

export const demoCommand: CommandDef = (program, run) => {
  program
    .command('demo')
    .description('the whole pipeline on a fresh machine: simulate ~60 days, build marts, train (3 days, 5 trials), score the last day')
    .option('--dir <dir>', 'where the demo lake, MLflow runs and model go', './fraudctl-demo')
    .option('--days <n>', 'days to simulate (at least 45: the marts need 37 days of history)', intArg(45, 366), 60)
    .option('--customers <n>', 'simulated customers', intArg(100, 1_000_000), 5000)
    .option('--terminals <n>', 'simulated terminals', intArg(100, 1_000_000), 10000)
    .option('--seed <n>', 'seed of the simulation, sampling and search', intArg(0, 2 ** 31 - 1), 42)
    .option('--max-evals <n>', 'trials of the search', intArg(1, 100), 5)
    .option('--threads <n>', 'threads (env FRAUDCTL_THREADS)', intArg(1, 256))
    .addHelpText('after', examples('fraudctl demo', 'fraudctl demo --dir /tmp/demo --days 90 --json') + '\nRe-running reuses what exists (days, marts); the search and scoring run again.\n')
    .action(async (_o, cmd) => {
      const o = cmd.optsWithGlobals();
      const dir = resolve(o.dir as string);
      const lakeDir = join(dir, 'lake');
      const mlruns = join(dir, 'mlruns');
      // The demo owns its directory: its lake and tracking store, whatever the environment says.
      await run({ ...o, lake: lakeDir, trackingUri: mlruns, config: o.config }, async (ctx) => {
        const { runDemo } = await import('../demo/runDemo.js');
        return runDemo({ dir, lakeDir, mlruns, days: o.days, customers: o.customers, terminals: o.terminals, seed: o.seed, maxEvals: o.maxEvals }, ctx);
      });
    });
};
