import { InvalidArgumentError } from 'commander';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import type { CommandDef } from './types.js';
import { dayArg, examples, intArg } from './args.js';
import { action } from './action.js';
import { addOptions, option, setting, toggle } from './optionTable.js';
import { checkDirTarget } from './pathChecks.js';
import { REASONS } from '../ingest/rules.js';
import { LAKE_KEYS, pickSettings } from '../config.js';

const MEMORY_RE = /^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;

function memoryArg(value: string): string {
  if (!MEMORY_RE.test(value)) throw new InvalidArgumentError('must be a size like 3GB or 512MB.');
  return value;
}

/** `fraudctl ingest FILE...`: the cleaning rules and where the work happens. */
export const INGEST_OPTIONS = {
  overwrite: toggle('--overwrite', 'replace days that already exist in the lake (default: skip them)'),
  dryRun: toggle('--dry-run', 'parse, clean and report, but write nothing'),
  timeOrigin: option('--time-origin <day>', 'day whose 00:00:00 is tx_time_seconds = 0 (simulated dumps: their start date)', dayArg, { default: '2019-08-22' }),
  fixHour24: toggle('--no-fix-hour24', "quarantine 'YYYY-MM-DD 24:00:00' datetimes instead of moving them to the next day 00:00:00"),
  recomputeTime: toggle('--no-recompute-time', 'keep the given tx_time_seconds / tx_time_days (only counted when they disagree with tx_datetime)'),
  keepDuplicates: toggle('--keep-duplicates', 'keep exact duplicate rows and repeated transaction ids'),
  maxTerminalId: option('--max-terminal-id <n>', 'largest valid terminal id', intArg(0), { default: 999 }),
  keepNegativeCustomers: toggle('--keep-negative-customers', 'keep negative customer ids (the -999999 sentinel)'),
  keepZeroAmounts: toggle('--keep-zero-amounts', 'keep zero amounts (negative ones are still quarantined)'),
  memoryLimit: option('--memory-limit <size>', 'DuckDB memory limit; it spills to --tmp-dir beyond it', memoryArg, { default: '3GB' }),
  tmpDir: option('--tmp-dir <dir>', 'directory for the staging database and spill files (default: the system temp dir)', String, { check: checkDirTarget }),
  threads: setting('threads'),
};

export const ingestCommand: CommandDef = (program, run) => {
  addOptions(
    program
      .command('ingest')
      .description('clean raw transaction dumps into daily lake partitions (transactions/, rejected rows to quarantine/)')
      .argument('<file...>', 'raw dump(s) in the course format (header line, then 9 comma-separated fields): paths or s3://bucket/key'),
    INGEST_OPTIONS,
  )
    .addHelpText(
      'after',
      '\nQuarantine reasons, tested in this order (a row gets the first it fails):\n' +
        REASONS.map((r) => `  ${r.reason.padEnd(26)} ${r.rule}\n`).join('') +
        "Rows whose datetime does not parse are filed under their file's first day. A day already in the lake\n" +
        "is skipped (replaced with --overwrite); 24:00:00 rows of a file's last day are merged into the next day.\n" +
        examples('fraudctl ingest data/2019-08-22.txt', 'fraudctl ingest sim.txt --time-origin 2025-01-01 --json', 'fraudctl ingest 2019-08-22.txt 2019-09-21.txt --overwrite'),
    )
    .action(
      action(run, INGEST_OPTIONS, async (o, ctx, [files]) => {
        const [{ ingest }, { openLake }, { resolveInputs }, { printIngestReport }] = await Promise.all([
          import('../ingest/ingest.js'),
          import('../lake/openLake.js'),
          import('../ingest/inputs.js'),
          import('../ingest/report.js'),
        ]);
        const tmpDir = o.tmpDir ? resolve(ctx.runEnv.cwd, o.tmpDir) : tmpdir();
        const settings = pickSettings(ctx.config, LAKE_KEYS);
        const lake = await openLake(settings, ctx.log, ctx.runEnv.cwd);
        const inputs = await resolveInputs(files as string[], { s3: settings, cwd: ctx.runEnv.cwd, tmpDir, log: ctx.log, signal: ctx.signal });
        try {
          const summary = await ingest(
            {
              files: inputs.files,
              rules: {
                timeOrigin: o.timeOrigin,
                fixHour24: o.fixHour24,
                recomputeTime: o.recomputeTime,
                dropDuplicates: !o.keepDuplicates,
                maxTerminalId: o.maxTerminalId,
                keepNegativeCustomers: o.keepNegativeCustomers,
                keepZeroAmounts: o.keepZeroAmounts,
              },
              overwrite: o.overwrite,
              dryRun: o.dryRun,
              threads: o.threads,
              memoryLimit: o.memoryLimit,
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
