import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

/**
 * The python of venv NAME (.venv/NAME, made by scripts/pyenv.sh from scripts/python/NAME.txt,
 * which `npm test` runs first). Throws — never skips — when it is missing, so a suite that needs
 * a real component fails loudly in CI instead of passing empty.
 */
export function venvPython(name: string): string {
  const python = join(root, '.venv', name, 'bin', 'python');
  if (!existsSync(python)) {
    throw new Error(`the Python venv '${name}' is missing (${python}); run: bash scripts/pyenv.sh ${name}`);
  }
  return python;
}

/** A console script installed in venv NAME (e.g. 'mlflow', 'airflow'). */
export function venvBin(name: string, script: string): string {
  venvPython(name);
  return join(root, '.venv', name, 'bin', script);
}
