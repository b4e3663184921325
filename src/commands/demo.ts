import { resolve, join } from 'node:path';
import { examples, intArg } from './args.js';
import { action } from './action.js';
import { addOptions, defaultOptions, option } from './optionTable.js';
import { coreDeps } from '../coreDeps.js';
import { SCORE_OPTIONS } from './scoreOptions.js';
import { SIMULATE_OPTIONS } from './simulate.js';
import { TRAIN_OPTIONS } from './trainOptions.js';
import type { CommandDef } from './types.js';

/** `fraudctl demo`: its own directory and size; the simulator's and the search's rows where they mean the same. */
export const DEMO_OPTIONS = {
  dir: option('--dir <dir>', 'where the demo lake, MLflow runs and model go', String, { default: './fraudctl-demo' }),
  days: option('--days <n>', 'days to simulate (at least 45: the marts need 37 days of history)', intArg(45, 366), { default: 60 }),
  customers: SIMULATE_OPTIONS.customers,
  terminals: SIMULATE_OPTIONS.terminals,
  seed: { ...TRAIN_OPTIONS.seed, help: 'seed of the simulation, sampling and search' },
  maxEvals: { ...TRAIN_OPTIONS.maxEvals, help: 'trials of the search' },
  threads: TRAIN_OPTIONS.threads,
};

/** The demo's own lake and tracking store under --dir, whatever the environment says. */
function demoPaths(dir: string) {
  const root = resolve(dir);
  return { dir: root, lakeDir: join(root, 'lake'), mlruns: join(root, 'mlruns') };
}

export const demoCommand: CommandDef = (program, run) => {
  const d = DEMO_OPTIONS;
  addOptions(
    program
      .command('demo')
      .description(
        `the whole pipeline on a fresh machine: simulate ~${d.days.default} days, build marts, train (${TRAIN_OPTIONS.days.default} days, ${d.maxEvals.default} trials), score the last day`,
      ),
    DEMO_OPTIONS,
  )
    .addHelpText('after', examples('fraudctl demo', 'fraudctl demo --dir /tmp/demo --days 90 --json') + '\nRe-running reuses what exists (days, marts); the search and scoring run again.\n')
    .action(
      action(
        run,
        DEMO_OPTIONS,
        async (o, ctx) => {
          const { runDemo } = await import('../demo/runDemo.js');
          const configured = { train: defaultOptions(TRAIN_OPTIONS, ctx.config), score: defaultOptions(SCORE_OPTIONS, ctx.config) };
          return runDemo({ ...o, ...demoPaths(o.dir), ...configured }, { ...coreDeps(ctx), out: ctx.out, secrets: ctx.secrets, cwd: ctx.runEnv.cwd });
        },
        undefined,
        (raw) => {
          const p = demoPaths(String(raw.dir));
          return { lake: p.lakeDir, trackingUri: p.mlruns };
        },
      ),
    );
};
