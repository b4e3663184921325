/**
 * A full garbage collection, for a long command between phases that drop large typed arrays.
 * V8 frees a dropped array's memory only when it next collects, and on its own it may not collect
 * before the next phase allocates as much again, so the process holds both (train's peak RSS: the
 * test window read after the search, on top of the search's dropped columns). Node exposes gc()
 * only behind --expose-gc; the flag can be set from inside the process, and a new context then
 * has the function. Where that fails the call does nothing (memory is only held longer).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null | undefined;

export function collectGarbage(): void {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const f: unknown = runInNewContext('gc');
      gc = typeof f === 'function' ? (f as () => void) : null;
    } catch {
      gc = null;
    }
  }
  gc?.();
}
