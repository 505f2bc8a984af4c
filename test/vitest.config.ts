import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  resolve: {
    // Since Electron 42, importing the real package tries to download its binary: tests get a stub.
    alias: { electron: fileURLToPath(new URL('./stubs/electron.ts', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    // Waits in the browser tests (expect.poll) allow for a slow machine; they end as soon as the UI is there.
    expect: { poll: { timeout: 15_000, interval: 50 } },
    pool: 'forks',
    // electron-store imports `electron` itself: let Vite resolve it (to the stub or a test's mock).
    server: { deps: { inline: ['electron-store'] } },
    reporters: ['default', fileURLToPath(new URL('./summary-reporter.ts', import.meta.url))],
  },
});
