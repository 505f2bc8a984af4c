/**
 * The main process's start-up budget (README "Start-up budget"), held on what does not depend on the
 * machine: the built main process, run in plain Node against a working fake of Electron up to its first
 * window, loads only the packages the window needs and no more modules than the budget, and reads no file
 * but its own code before the window is there. How long it takes is `npm run bench`'s figure.
 */
import { describe, expect, it } from 'vitest';
import { markOf, packagesOf, probeStartup } from './startup/probe.ts';

/** The packages the first window needs (electron-store and its conf, the app lock, bridge schemas, the authorization code's XML) and what they pull in. */
const START_UP_PACKAGES = [
  '@nodable/entities',
  'ajv',
  'ajv-formats',
  'anynum',
  'atomically',
  'conf',
  'debounce-fn',
  'dot-prop',
  'electron-store',
  'env-paths',
  'fast-deep-equal',
  'fast-uri',
  'fast-xml-builder',
  'fast-xml-parser',
  'graceful-fs',
  'is-safe-filename',
  'is-unsafe',
  'json-schema-traverse',
  'mimic-function',
  'path-expression-matcher',
  'proper-lockfile',
  'retry',
  'semver',
  'signal-exit',
  'strnum',
  'stubborn-fs',
  'stubborn-utils',
  'uint8array-extras',
  'when-exit',
  'xml-naming',
  'zod',
];
/** Modules loaded before the first window (ours, npm's and Node's built-ins): 344 when the budget was set. */
const MODULE_BUDGET = 360;

describe('the start-up budget', () => {
  const report = probeStartup();

  it('reaches its first window in order: main evaluated, app ready, window created, page loading', () => {
    const steps = ['main-evaluated', 'ready', 'window-created', 'first-window-loading'].map((m) => markOf(report, m));
    expect(steps.every(Number.isFinite)).toBe(true);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
  });

  it('loads only the packages the first window needs (no QR encoder, PDF writer, server, PostgreSQL or X.509)', () => {
    const loaded = [...packagesOf(report.modules).keys()].sort();
    expect(loaded).toEqual(START_UP_PACKAGES);
    for (const later of ['qrcode', 'pdf-lib', 'fastify', 'pg', 'node-forge']) expect(loaded).not.toContain(later);
  });

  it(`loads at most ${MODULE_BUDGET} modules, and reads no file but code before the window`, () => {
    expect(report.modules.length).toBeGreaterThan(0);
    expect(report.modules.length).toBeLessThanOrEqual(MODULE_BUDGET);
    const code = /\.(m?js|cjs|json)$/;
    expect(report.files.filter((f) => !code.test(f.path))).toEqual([]);
    // Code comes from the build and node_modules only (and the fake that stands in for Electron).
    const strays = report.files.filter((f) => !/\/(out\/main|node_modules|test\/startup)\//.test(f.path));
    expect(strays).toEqual([]);
  });
});
