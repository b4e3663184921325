import { createRequire } from 'node:module';

type DuckDbModule = typeof import('@duckdb/node-api');

let loaded: DuckDbModule | undefined;

/**
 * `@duckdb/node-api`, loaded on first use (never for `--help`). By require, not `import()`: it is
 * CommonJS, and an ESM import lexes its ~180 files for named exports first (~0.18 s of every
 * command's start against ~0.1 s to require it). Every value import of the package goes through here.
 */
export function duckdbModule(): DuckDbModule {
  loaded ??= createRequire(import.meta.url)('@duckdb/node-api') as DuckDbModule;
  return loaded;
}
