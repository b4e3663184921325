import { Option } from 'commander';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import type { CommandDef } from './types.js';
import { dayArg, examples, intArg } from './args.js';
import { usageError } from '../errors.js';
import { REASONS } from '../ingest/rules.js';
import { LAKE_KEYS, pickSettings } from '../config.js';

const MEMORY_RE = /^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;

export const ingestCommand: CommandDef = (program, run) => {
  program
    .command('ingest')
    .description('clean raw transaction dumps into daily lake partitions (transactions/, rejected rows to quarantine/)')
    .argument('<file...>', 'raw dump(s) in the course format (header line, then 9 comma-separated fields): paths or s3://bucket/key')
    .option('--overwrite', 'replace days that already exist in the lake (default: skip them)')
    .option('--dry-run', 'parse, clean and report, but write nothing')
    .addOption(new Option('--time-origin <day>', 'day whose 00:00:00 is tx_time_seconds = 0 (simulated dumps: their start date)').argParser(dayArg).default('2019-08-22'))
    .option('--no-fix-hour24', "quarantine 'YYYY-MM-DD 24:00:00' datetimes instead of moving them to the next day 00:00:00")
    .option('--no-recompute-time', 'keep the given tx_time_seconds / tx_time_days (only counted when they disagree with tx_datetime)')
    .option('--keep-duplicates', 'keep exact duplicate rows and repeated transaction ids')
    .addOption(new Option('--max-terminal-id <n>', 'largest valid terminal id').argParser(intArg(0)).default(999))
    .option('--keep-negative-customers', 'keep negative customer ids (the -999999 sentinel)')
    .option('--keep-zero-amounts', 'keep zero amounts (negative ones are still quarantined)')
    .option('--memory-limit <size>', 'DuckDB memory limit; it spills to --tmp-dir beyond it', '3GB')
    .option('--tmp-dir <dir>', 'directory for the staging database and spill files (default: the system temp dir)')
    .addHelpText(
      'after',
      '\nQuarantine reasons, tested in this order (a row gets the first it fails):\n' +
        REASONS.map((r) => `  ${r.reason.padEnd(26)} ${r.rule}\n`).join('') +
        "Rows whose datetime does not parse are filed under their file's first day. A day already in the lake\n" +
        "is skipped (replaced with --overwrite); 24:00:00 rows of a file's last day are merged into the next day.\n" +
        examples('fraudctl ingest data/2019-08-22.txt', 'fraudctl ingest sim.txt --time-origin 2025-01-01 --json', 'fraudctl ingest 2019-08-22.txt 2019-09-21.txt --overwrite'),
    )
    .action(async (files: string[], _o, cmd) =>
      run(cmd.optsWithGlobals(), async (ctx) => {
        const o = cmd.optsWithGlobals() as Record<string, unknown>;
        const memoryLimit = String(o.memoryLimit);
        if (!MEMORY_RE.test(memoryLimit)) throw usageError(`--memory-limit must be a size like 3GB or 512MB, got '${memoryLimit}'`);
        const [{ ingest }, { openLake }, { resolveInputs }, { printIngestReport }] = await Promise.all([
          import('../ingest/ingest.js'),
          import('../lake/openLake.js'),
          import('../ingest/inputs.js'),
          import('../ingest/report.js'),
        ]);
        const tmpDir = o.tmpDir ? resolve(ctx.runEnv.cwd, String(o.tmpDir)) : tmpdir();
        const lake = await openLake(pickSettings(ctx.config, LAKE_KEYS), ctx.log, ctx.runEnv.cwd);
        const inputs = await resolveInputs(files, { config: ctx.config, cwd: ctx.runEnv.cwd, tmpDir, log: ctx.log, signal: ctx.signal });
        try {
          const summary = await ingest(
            {
              files: inputs.files,
              rules: {
                timeOrigin: String(o.timeOrigin),
                fixHour24: o.fixHour24 !== false,
                recomputeTime: o.recomputeTime !== false,
                dropDuplicates: o.keepDuplicates !== true,
                maxTerminalId: Number(o.maxTerminalId),
                keepNegativeCustomers: o.keepNegativeCustomers === true,
                keepZeroAmounts: o.keepZeroAmounts === true,
              },
              overwrite: o.overwrite === true,
              dryRun: o.dryRun === true,
              threads: ctx.config.threads,
              memoryLimit,
              tmpDir,
              extensionDir: ctx.config.duckdbExtensionDir,
            },
            { lake, log: ctx.log, signal: ctx.signal, progress: ctx.progress },
          );
          printIngestReport(ctx.out, summary);
          return { lake: lake.uri, ...summary };
        } finally {
          await inputs.cleanup();
        }
      }),
    );
};
