import type { CommandDef } from './types.js';
import { examples } from './args.js';
import { action } from './action.js';
import { DEFAULT_FILE } from '../config.js';

export const configCommand: CommandDef = (program, run) => {
  program
    .command('config')
    .description('print the resolved configuration and where each value came from (secrets masked)')
    .addHelpText('after', examples('fraudctl config', 'FRAUDCTL_LAKE=s3://bucket/lake fraudctl config --json'))
    .action(
      // No options of its own: the globals (and --config) are what it shows.
      action(run, {}, async (_o, ctx) => {
        const { describeConfig } = await import('../config.js');
        const rows = describeConfig(ctx.resolved);
        ctx.out.line(ctx.resolved.file ? `config file: ${ctx.resolved.file}` : `config file: none (${DEFAULT_FILE} not found)`);
        ctx.out.table(['key', 'value', 'source'], rows.map((r) => [r.key, r.value, r.source]));
        return { configFile: ctx.resolved.file ?? null, values: Object.fromEntries(rows.map((r) => [r.key, { value: r.value || null, source: r.source }])) };
      }),
    );
};
