import { defineConfig } from 'vitest/config';

// One config for the whole tree: every package keeps its tests in test/**/*.test.ts.
export default defineConfig({
  test: {
    include: ['{core,mcp-server,adapters/*,examples/*,evals}/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
