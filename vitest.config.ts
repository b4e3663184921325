import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/globalSetup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Real DuckDB, worker threads and servers on 127.0.0.1: two cores, so two files at a time.
    maxWorkers: 2,
  },
});
