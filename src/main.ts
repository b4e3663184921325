import { userInfo } from 'node:os';
import { Command, CommanderError, Option } from 'commander';
import { COMMANDS } from './commands/index.js';
import type { RunCommand, Summary } from './commands/types.js';
import { resolveConfig, secretValues } from './config.js';
import type { Ctx } from './context.js';
import { ExitCode, FraudctlError } from './errors.js';
import { createLogger, redact } from './log.js';
import { createOutput } from './output.js';
import { createProgress } from './progress.js';
import { interruptedError } from './train/interrupt.js';
import { VERSION } from './version.js';

export interface Io {
  env: Record<string, string | undefined>;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  cwd?: string;
  /** Install SIGINT / SIGTERM handlers (the real binary does; in-process tests pass a signal). */
  handleSignals?: boolean;
  signal?: AbortSignal;
  now?: () => Date;
}


const AIRFLOW_VARS = ['AIRFLOW_CTX_DAG_ID', 'AIRFLOW_CTX_TASK_ID', 'AIRFLOW_CTX_DAG_RUN_ID', 'AIRFLOW_CTX_TRY_NUMBER'];

function currentUser(env: Io['env']): string {
  try {
    return env.USER ?? env.LOGNAME ?? userInfo().username;
  } catch {
    return 'unknown';
  }
}

/**
 * argv → command → exit code. The only place that reads argv and the environment and decides the
 * exit code; commands get everything through their Ctx.
 */
export async function main(argv: string[], io: Io): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(sig === 'SIGINT' ? ExitCode.Sigint : ExitCode.Sigterm);
    controller.abort(sig);
  };
  if (io.handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  const signal = io.signal ? AbortSignal.any([io.signal, controller.signal]) : controller.signal;
  let secrets: string[] = [];
  let exitCode: number = ExitCode.Ok;
  let jsonMode = false;

  const run: RunCommand = async (opts, body) => {
    jsonMode = opts.json === true;
    const resolved = resolveConfig({ flags: opts, env: io.env, configPath: opts.config as string | undefined, cwd });
    secrets = secretValues(resolved.config);
    const quiet = opts.quiet === true;
    const level = quiet && resolved.sources.logLevel.source === 'default' ? 'warn' : resolved.config.logLevel;
    const log = createLogger({ level, stream: io.stderr, secrets });
    const out = createOutput(io.stdout, jsonMode);
    const airflow = Object.fromEntries(AIRFLOW_VARS.filter((k) => io.env[k]).map((k) => [k, io.env[k] as string]));
    const showProgress = io.stderr.isTTY === true && !io.env.CI && !jsonMode && !quiet;
    const ctx: Ctx = {
      config: resolved.config,
      resolved,
      log,
      out,
      now: io.now ?? (() => new Date()),
      signal,
      secrets,
      runEnv: { user: currentUser(io.env), airflow, isJob: Object.keys(airflow).length > 0 || !io.stdout.isTTY, cwd },
      progress: (total, title) => createProgress(io.stderr, total, title, showProgress),
    };
    const summary: Summary = await interruptible(signal, () => body(ctx));
    if (jsonMode) io.stdout.write(`${toJsonLine({ ok: true, ...summary })}\n`);
  };

  const program = buildProgram(io, run);

  try {
    if (argv.length === 0) {
      program.outputHelp();
      return ExitCode.Ok;
    }
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    exitCode = reportError(err, io, secrets, jsonMode);
  } finally {
    if (io.handleSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
  return exitCode;
}

/**
 * The one place a fired SIGINT / SIGTERM becomes exit 130 / 143: whether the body failed because of
 * it (whatever error it threw) or finished anyway, the run was interrupted and says so.
 */
async function interruptible<T>(signal: AbortSignal, body: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await body();
  } catch (err) {
    if (signal.aborted && !(err instanceof FraudctlError && (err.exitCode === ExitCode.Sigint || err.exitCode === ExitCode.Sigterm))) throw interruptedError(signal);
    throw err;
  }
  if (signal.aborted) throw interruptedError(signal);
  return result;
}

function reportError(err: unknown, io: Io, secrets: string[], jsonMode: boolean): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.Ok;
    return ExitCode.Usage; // commander already printed the message
  }
  const say = (s: string) => io.stderr.write(`${redact(s, secrets)}\n`);
  let code: number;
  if (err instanceof FraudctlError) {
    code = err.exitCode;
    say(`fraudctl: ${err.message}`);
    if (err.hint) say(`hint: ${err.hint}`);
  } else {
    code = ExitCode.Bug;
    say(`fraudctl: unexpected error (a bug; please report it):\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
  if (jsonMode) {
    const message = err instanceof Error ? err.message : String(err);
    io.stdout.write(`${redact(JSON.stringify({ ok: false, exitCode: code, error: message }), secrets)}\n`);
  }
  return code;
}

/** The commander program with every subcommand; `run` executes a command body. */
export function buildProgram(io: Pick<Io, 'stdout' | 'stderr'>, run: RunCommand): Command {
  const program = new Command('fraudctl')
    .description('A daily, offline card-fraud ML pipeline: feature marts, training with a time split and TPE search, scoring, MLflow.')
    .version(VERSION, '-V, --version')
    .addOption(new Option('--lake <uri>', 'lake root: directory or s3://bucket/prefix (env FRAUDCTL_LAKE, default ./lake)'))
    .option('--config <file>', 'configuration file (default ./fraudctl.config.json when present; env FRAUDCTL_CONFIG)')
    .addOption(new Option('--log-level <level>', 'log level (env FRAUDCTL_LOG_LEVEL)').choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']))
    .option('-q, --quiet', 'only warnings and errors on stderr, no progress bars')
    .option('--json', 'print one JSON summary as the last stdout line (and no other stdout)')
    .option('--s3-endpoint <url>', 'S3 endpoint of an s3:// lake, e.g. https://storage.yandexcloud.net (env FRAUDCTL_S3_ENDPOINT, AWS_ENDPOINT_URL_S3)')
    .option('--s3-region <region>', 'S3 region, e.g. ru-central1 (env AWS_REGION, AWS_DEFAULT_REGION; default us-east-1)')
    .option('--s3-path-style', 'path-style S3 addressing, endpoint/bucket/key (env FRAUDCTL_S3_PATH_STYLE; the default)')
    .option('--no-s3-path-style', 'virtual-host S3 addressing, bucket.endpoint/key')
    .addOption(new Option('--s3-mode <mode>', 'read an s3:// lake with DuckDB httpfs, or sync partitions to the local cache (env FRAUDCTL_S3_MODE, default auto)').choices(['auto', 'httpfs', 'sync']))
    .option('--duckdb-extension-dir <dir>', 'pre-filled DuckDB extension directory holding httpfs (env FRAUDCTL_DUCKDB_EXTENSION_DIR)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  program.addHelpText(
    'after',
    `\nExit codes: 0 ok, 1 bug, 2 usage/configuration, 3 data missing or invalid, 4 MLflow/S3 unavailable, 130/143 interrupted.\n` +
      `\nExamples:\n  $ fraudctl demo\n  $ fraudctl simulate --start 2025-01-01 --days 90\n  $ fraudctl marts build --date 2025-03-19\n  $ fraudctl train --days 3 --test-day 2025-03-20\n  $ fraudctl daily --date 2025-03-21\n`,
  );
  for (const def of COMMANDS) def(program, run);
  for (const sub of program.commands) sub.exitOverride().showHelpAfterError('(run with --help for usage)');
  return program;
}

/**
 * Parses a command line exactly as `fraudctl` would, without running anything: the command path
 * and its options (merged with the globals). Throws commander's error on a bad command line.
 * Used to check that deployment files (DAGs, cron) hold command lines fraudctl accepts.
 */
export async function parseCommandLine(argv: string[]): Promise<{ command: string; opts: Record<string, unknown> }> {
  const sink = { write: () => true } as unknown as NodeJS.WritableStream;
  let parsed: { command: string; opts: Record<string, unknown> } | undefined;
  // The command bodies never run: the preAction hook records what was parsed.
  const program = buildProgram({ stdout: sink, stderr: sink }, async () => {});
  program.hook('preAction', (_root, action) => {
    const names: string[] = [];
    for (let c: Command | null = action; c && c !== program; c = c.parent) names.unshift(c.name());
    parsed = { command: names.join(' '), opts: action.optsWithGlobals() };
  });
  await program.parseAsync(argv, { from: 'user' });
  if (!parsed) throw new Error(`no command in: ${argv.join(' ')}`);
  return parsed;
}

/** One JSON line; bigints (DuckDB BIGINT ids) become numbers when safe, else strings. */
export function toJsonLine(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? (v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString()) : v));
}
