// Vitest, at the root where editors and a bare `npx vitest` find it. Two projects:
//   fast:   the engine, the CLI (in-process) and the ledger: `npm run test:fast`, builds nothing;
//   system: what needs a build, a browser, real processes or many of them (crash, concurrency, Electron
//           main against a fake, Electronegativity, packaging, the renderer in Chromium).
// `npm test` runs both.
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { SLOWDOWN } from './test/helpers/time-scale.ts';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Timeouts scale with the machine's load when the run starts (test/helpers/time-scale.ts), measured here
// once; the workers inherit the figure.
process.env.SLR_TEST_SLOWDOWN = String(SLOWDOWN);
const CORES = availableParallelism();

/** The fast project's files: no build, no browser, no Electron, under a minute on two cores. */
export const FAST = [
  'test/idempotency.test.ts',
  'test/db-transactions.test.ts',
  'test/conservation-check.test.ts',
  'test/given-back-plans.test.ts',
  'test/event-pages.test.ts',
  'test/online-witness.test.ts',
  'test/webhooks.test.ts',
  'test/usage-reports.test.ts',
  'test/usage-model.test.ts',
  'test/satellite.test.ts',
  'test/satellite-connected.test.ts',
  'test/app-satellites.test.ts',
  'test/sip-trunks.test.ts',
  'test/cluster-reservation.test.ts',
  'test/authorization-code.test.ts',
  'test/short-codes.test.ts',
  'test/state-digest.test.ts',
  'test/device-state.test.ts',
  'test/state-schema.test.ts',
  'test/instance.test.ts',
  'test/ledger-property.test.ts',
  'test/system-adversary.test.ts',
  'test/hostile.test.ts',
  'test/cli-instance.test.ts',
  'test/cli-authority.test.ts',
  'test/protocol-integrity.test.ts',
  'test/layering.test.ts',
  'test/preload/preload.test.ts',
  'test/command-table.test.ts',
  'test/size-limits.test.ts',
  'test/event-chain.test.ts',
  'test/ledger-migrations.test.ts',
  'test/cli-output.test.ts',
  'test/authority-backup.test.ts',
  'test/keys-at-rest.test.ts',
  'test/os-key-secret.test.ts',
  'test/path-kinds.test.ts',
  'test/docs-blocks.test.ts',
  'test/docs.test.ts',
  'test/api-fuzz.test.ts',
  'test/batch-reserve.test.ts',
  'test/expiring.test.ts',
  'test/authority-rollback.test.ts',
  'test/cli-json.test.ts',
  'test/install-impact.test.ts',
  'test/lifetime.test.ts',
  'test/instance-lines.test.ts',
  'test/app-authority-setup.test.ts',
  'test/installed-app-faults.test.ts',
  'test/release-sums.test.ts',
  'test/sme.test.ts',
  'test/instance-query.test.ts',
  'test/qr-parts.test.ts',
  'test/operator-flow.test.ts',
  'test/count-plan.test.ts',
  'test/receipt.test.ts',
  'test/server.test.ts',
  'test/tokens.test.ts',
  'test/registration.test.ts',
  'test/state-seal.test.ts',
  'test/server-trust.test.ts',
  'test/state-edit-adversary.test.ts',
  'test/device-backup.test.ts',
  'test/app-device-state.test.ts',
  'test/export-model.test.ts',
  'test/file-modes.test.ts',
];

const shared = {
  environment: 'node' as const,
  testTimeout: 60_000 * SLOWDOWN,
  // Set-up hooks start Chromium or servers: on a loaded 2-core machine that can take more than the default 10 s.
  hookTimeout: 60_000 * SLOWDOWN,
  // Waits in the browser tests (expect.poll) allow for a slow machine; they end as soon as the UI is there.
  expect: { poll: { timeout: 15_000 * SLOWDOWN, interval: 50 } },
  pool: 'forks' as const,
  // electron-store imports `electron` itself: let Vite resolve it (to the stub or a test's mock).
  server: { deps: { inline: ['electron-store'] } },
};

export default defineConfig({
  resolve: {
    // Since Electron 42, importing the real package tries to download its binary: tests get a stub.
    alias: { electron: here('./test/stubs/electron.ts') },
  },
  test: {
    // Vitest's default leaves a core idle (2 cores: one worker); much of the suite waits on child
    // processes, PostgreSQL and Chromium, so a worker per core.
    maxWorkers: CORES,
    reporters: ['default', here('./test/summary-reporter.ts')],
    projects: [
      { extends: true, test: { ...shared, name: 'fast', include: FAST } },
      {
        extends: true,
        test: {
          ...shared,
          name: 'system',
          include: ['test/**/*.test.ts'],
          exclude: [...FAST, '**/node_modules/**'],
          globalSetup: [here('./test/build-once.ts')],
        },
      },
    ],
  },
});
