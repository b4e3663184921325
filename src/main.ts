import { userInfo } from 'node:os';
import { Command, CommanderError } from 'commander';
import { GLOBAL_OPTIONS } from './commands/globalOptions.js';
import { addOptions } from './commands/optionTable.js';
import { COMMANDS } from './commands/index.js';
import type { RunCommand, Summary } from './commands/types.js';
import { resolveConfig, secretValues } from './config.js';
import type { Ctx } from './context.js';
import { ExitCode, FraudctlError } from './errors.js';
import { createLogger, redact } from './log.js';
import { createOutput } from './output.js';
import { createProgress } from './progress.js';
import { interruptedError } from './train/interrupt.js';
import { environmentError } from './util/environmentError.js';
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
    // `fraudctl lake ls | head -1`: the reader has gone, which is a normal end of a pipeline, not
    // an error. Partitions are written atomically, so stopping here leaves nothing half-written.
    io.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(ExitCode.Ok);
      throw e;
    });
    // The AWS SDK warns on stderr about Node versions it will drop in the future; that is not
    // about this run, and it would break the JSON log lines a scheduler parses.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
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
    const showProgress = io.stderr.isTTY === true && !io.env.CI && !io.env.NO_COLOR && !jsonMode && !quiet;
    const ctx: Ctx = {
      config: resolved.config,
      resolved,
      log,
      out,
      now: io.now ?? (() => new Date()),
      signal,
      secrets,
      // JOB only under Airflow: Python's client writes LOCAL for any script (a pipe or cron looks the same).
      runEnv: { user: currentUser(io.env), airflow, isJob: Object.keys(airflow).length > 0, cwd },
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
    // A usage error commander found comes before any command body: --json is read off argv then.
    if (err instanceof CommanderError) jsonMode = jsonRequested(argv);
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

/** --json among the options (not after a `--`, where it would be an argument). */
function jsonRequested(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

function reportError(err: unknown, io: Io, secrets: string[], jsonMode: boolean): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.Ok;
    // commander already printed the message on stderr; --json gets the same error object as runtime errors.
    if (jsonMode) io.stdout.write(`${redact(JSON.stringify({ ok: false, exitCode: ExitCode.Usage, error: err.message.replace(/^error: /, '') }), secrets)}\n`);
    return ExitCode.Usage;
  }
  const say = (s: string) => io.stderr.write(`${redact(s, secrets)}\n`);
  err = environmentError(err) ?? err;
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
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  addOptions(program, GLOBAL_OPTIONS);
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
