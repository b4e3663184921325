import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { ExitCode, FraudctlError } from '../errors.js';

/**
 * What the operating system refused, as fraudctl reports it (README "Environment failures"). The
 * errno decides the exit code, so that a scheduler can tell a full disk (retry once space is freed:
 * exit 4) from a read-only mount or missing permission (fixing the set-up is needed: exit 2).
 */
const KINDS: { codes: string[]; text: RegExp; what: string; exit: ExitCode; hint: string }[] = [
  { codes: ['ENOSPC', 'EDQUOT'], text: /no space left on device|disk quota exceeded/i, what: 'no space left on device', exit: ExitCode.Unavailable, hint: 'free space there (or point FRAUDCTL_LAKE / FRAUDCTL_CACHE_DIR elsewhere) and rerun: partitions written before this one are complete, the one being written was not published' },
  { codes: ['EROFS'], text: /read-only file system/i, what: 'read-only file system', exit: ExitCode.Usage, hint: 'the path is on a read-only mount: point --lake / FRAUDCTL_CACHE_DIR / --tracking-uri at a writable directory' },
  { codes: ['EACCES', 'EPERM'], text: /permission denied/i, what: 'permission denied', exit: ExitCode.Usage, hint: 'give this user write access to the path, or point the option at a directory it can write' },
  { codes: ['ENOENT', 'ENOTDIR'], text: /^$/, what: 'no such directory', exit: ExitCode.Usage, hint: 'create the parent directory first, or pass an existing one' },
];

/** A FraudctlError for an errno-carrying error (Node fs, or DuckDB's IO Error text); undefined for anything else. */
export function environmentError(err: unknown): FraudctlError | undefined {
  if (err instanceof FraudctlError || !(err instanceof Error)) return undefined;
  const e = err as NodeJS.ErrnoException;
  const code = e.code === 'ENOENT' && e.syscall === 'mkdir' && e.path ? (refusalAbove(e.path) ?? e.code) : e.code;
  const kind = KINDS.find((k) => (code && k.codes.includes(code)) || (!code && k.text.test(e.message)));
  if (!kind) return undefined;
  if (kind.codes[0] === 'ENOENT' && !e.syscall) return undefined; // an ENOENT without a syscall is not a file-system refusal
  const path = e.path ?? /"([^"]+)"|'([^']+)'/.exec(e.message)?.slice(1).find(Boolean);
  const op = e.syscall ? ` (${e.syscall})` : '';
  return new FraudctlError(`${kind.what} at ${path ?? 'an output path'}${op}`, kind.exit, { hint: kind.hint, cause: err });
}

/**
 * Node's recursive mkdir reports ENOENT when a missing parent cannot be created on a read-only
 * mount or without permission; the real refusal is the one of the nearest existing ancestor.
 */
function refusalAbove(path: string): string | undefined {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if (existsSync(dir)) {
      try {
        accessSync(dir, constants.W_OK);
        return undefined;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code;
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}
