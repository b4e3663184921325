import { type Command, InvalidArgumentError, Option } from 'commander';
import { CONFIG_KEYS, type Config, type KeySpec, parseValue } from '../config.js';

/**
 * A command's options, declared once: flag, help, parser and default. An option that is also a
 * setting (`setting('threshold')`) takes its environment variable, config-file key, default, range
 * and help from that setting's row in CONFIG_KEYS (src/config.ts), and its value from the resolved
 * configuration (flag > env > file > default). The help line shows the default and the variables
 * from the table, never from a copy in a string. `OptionValues<typeof TABLE>` is the typed record a
 * core receives; the table's keys are commander's attribute names, checked when the command is built.
 */
export interface OptionSpec<T> {
  /** commander flags, e.g. '--days <n>' or '--no-build-marts'. */
  flag: string;
  help: string;
  parse?: (raw: string) => T;
  default?: T;
  /** The option is the setting of this config key: env, file key and default come from CONFIG_KEYS. */
  setting?: keyof Config;
  /** A check of the final value, run before any work starts; returns the problem, or undefined. */
  check?: (value: T) => string | undefined;
  required?: boolean;
  /** Values shown in the help's choices list (the parser enforces them). */
  choices?: readonly string[];
  /** A boolean setting's opposite switch ('--no-' + the flag): its help. */
  negation?: string;
  /** An environment variable the help names for an option that is not a setting (read by main). */
  env?: string;
}

// biome-ignore lint: the table holds options of every value type
export type OptionTable = Record<string, OptionSpec<any>>;
export type OptionValues<T extends OptionTable> = { [K in keyof T]: T[K] extends OptionSpec<infer V> ? (T[K] extends { default: unknown } | { required: true } | { setting: string } ? V : V | undefined) : never };

/** A plain option; with `default` (or `required`) its value type loses `undefined`. */
export function option<T, E extends Omit<OptionSpec<T>, 'flag' | 'help' | 'parse'> = Record<never, never>>(flag: string, help: string, parse: (raw: string) => T, extra?: E): OptionSpec<T> & E {
  return { flag, help, parse, ...(extra as E) };
}

/** A `check` from a function that throws on a bad value (a validator shared with the core): its message is the problem. */
export function problemOf<T>(validate: (value: T) => unknown): (value: T | undefined) => string | undefined {
  return (value) => {
    if (value === undefined) return undefined;
    try {
      validate(value);
      return undefined;
    } catch (e) {
      const hint = (e as { hint?: string }).hint;
      return hint ? `${(e as Error).message}; ${hint}` : (e as Error).message;
    }
  };
}

/** A boolean switch: '--promote' (default false) or '--no-build-marts' (default true). */
export function toggle(flag: string, help: string): OptionSpec<boolean> & { default: boolean } {
  return { flag, help, default: flag.startsWith('--no-') };
}

/** The option of a setting; `help` overrides the setting's own doc where the command's use differs. */
export function setting<K extends keyof Config>(
  key: K,
  extra: { flag?: string; help?: string; check?: (value: Config[K]) => string | undefined; negation?: string } = {},
): OptionSpec<Config[K]> & { setting: K } {
  const spec = specOf(key);
  const name = `--${String(spec.flag ?? key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  const flag = extra.flag ?? (spec.kind === 'bool' ? name : `${name} <${spec.arg ?? 'value'}>`);
  return { flag, help: extra.help ?? spec.doc, setting: key, check: extra.check, choices: spec.values, negation: extra.negation };
}

/** The configuration without flags, environment or file: every setting at its default (for --help). */
export function defaultSettings(): Config {
  return Object.fromEntries(CONFIG_KEYS.filter((k) => k.default !== undefined).map((k) => [k.key, k.default])) as unknown as Config;
}

function specOf(key: keyof Config): KeySpec {
  const spec = CONFIG_KEYS.find((s) => s.key === key);
  if (!spec) throw new Error(`no config key ${String(key)}`);
  return spec;
}

/** A setting's '(env VARIABLE, config key, default value)', from CONFIG_KEYS; plain defaults are printed by commander. */
function helpTail(spec: OptionSpec<unknown>): string {
  const parts: string[] = [];
  if (spec.setting) {
    const s = specOf(spec.setting);
    if (s.env?.length) parts.push(`env ${s.env.join(', ')}`);
    if (s.file) parts.push(`config ${s.key}`);
    if (s.default !== undefined) parts.push(`default ${s.key === 'threads' ? 'the number of cores' : String(s.default)}`);
  }
  if (spec.env) parts.push(`env ${spec.env}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** A commander parser for a setting: the same rule as the configuration's, as a usage error. */
function settingParser(key: keyof Config) {
  const spec = specOf(key);
  return (raw: string) => {
    const r = parseValue(spec, raw, 'flag');
    if (r.error) throw new InvalidArgumentError(`${r.error.replace(/^flag: \w+ /, '')}.`);
    return r.value;
  };
}

/** Registers every option of the table on `cmd`. */
export function addOptions(cmd: Command, table: OptionTable): Command {
  for (const [name, spec] of Object.entries(table)) {
    const opt = new Option(spec.flag, spec.help + helpTail(spec));
    if (spec.setting && spec.flag.includes('<')) opt.argParser(settingParser(spec.setting));
    else if (spec.parse) opt.argParser(spec.parse);
    if (spec.choices && !spec.setting) opt.choices(spec.choices);
    if (spec.default !== undefined && !spec.setting && !spec.flag.startsWith('--no-') && typeof spec.default !== 'boolean') {
      // commander prints '(default: …)' from the value; a range reads as LO:HI.
      opt.default(spec.default, Array.isArray(spec.default) ? spec.default.join(':') : undefined);
    }
    if (spec.required) opt.makeOptionMandatory();
    if (opt.attributeName() !== name && !(spec.setting && opt.attributeName() === specOf(spec.setting).flag)) {
      throw new Error(`option table key '${name}' does not match ${spec.flag} (attribute ${opt.attributeName()})`);
    }
    cmd.addOption(opt);
    if (spec.negation) cmd.addOption(new Option(spec.flag.replace(/^--/, '--no-'), spec.negation));
  }
  return cmd;
}

/** The flags of a setting as resolveConfig reads them (a `--no-x` switch sharing the name is not the setting's value). */
export function settingFlags(table: OptionTable, opts: Record<string, unknown>): Record<string, unknown> {
  const flags: Record<string, unknown> = { ...opts };
  for (const spec of Object.values(table)) {
    if (!spec.setting) continue;
    const attr = specOf(spec.setting).flag;
    if (attr && typeof flags[attr] === 'boolean' && specOf(spec.setting).kind !== 'bool') delete flags[attr];
  }
  return flags;
}

/** The typed values of a table: settings from the resolved configuration, the rest from commander's opts. */
export function readOptions<T extends OptionTable>(table: T, opts: Record<string, unknown>, config: Config): OptionValues<T> {
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) {
    if (spec.setting) values[name] = config[spec.setting];
    else if (spec.flag.startsWith('--no-')) values[name] = opts[name] !== false;
    else if (spec.default === false) values[name] = opts[name] === true;
    else values[name] = opts[name] ?? spec.default;
  }
  return values as OptionValues<T>;
}

/** Every problem of the table's `check`s at once, as one usage error message, or undefined. */
export function checkOptions<T extends OptionTable>(table: T, values: OptionValues<T>): string[] {
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(table)) {
    const v = (values as Record<string, unknown>)[name];
    if (v === undefined || !spec.check) continue;
    const p = spec.check(v);
    const flag = spec.flag.split(' ')[0];
    if (p) problems.push(p.startsWith(flag) ? p : `${flag}: ${p}`);
  }
  return problems;
}

/** The values a core gets when no flag is given (the demo's settings): plain defaults plus the configuration. */
export function defaultOptions<T extends OptionTable>(table: T, config: Config): OptionValues<T> {
  return readOptions(table, {}, config);
}
