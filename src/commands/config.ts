import type { CommandDef } from './types.js';
import { examples } from './args.js';

export const configCommand: CommandDef = (program, run) => {
  program
    .command('config')
    .description('print the resolved configuration and where each value came from (secrets masked)')
    .addHelpText('after', examples('fraudctl config', 'FRAUDCTL_LAKE=s3://bucket/lake fraudctl config --json'))
    .action(async (_o, cmd) =>
      run(cmd.optsWithGlobals(), async (ctx) => {
        const { describeConfig } = await import('../config.js');
        const rows = describeConfig(ctx.resolved);
        ctx.out.line(ctx.resolved.file ? `config file: ${ctx.resolved.file}` : 'config file: none (fraudctl.config.json not found)');
        ctx.out.table(['key', 'value', 'source'], rows.map((r) => [r.key, r.value, r.source]));
        return { configFile: ctx.resolved.file ?? null, values: Object.fromEntries(rows.map((r) => [r.key, { value: r.value || null, source: r.source }])) };
      }),
    );
};
