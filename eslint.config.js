// ESLint, including the layering rules as errors (proven by test/layering.test.ts):
//   shared/   imports neither Electron, Node built-ins, React nor the DOM, nor electron/ or renderer/;
//   renderer/ imports neither Electron nor Node, and of electron/ nothing at all (the bridge's types are in shared/);
//   electron/ never imports renderer/, and its preload/ imports only the bridge contract
//     (shared/bridge-channels.ts, types of shared/bridge.ts).
// The rooms inside electron/ (platform, net, device, authority, app, server, cli, main) and what each may
// import are dependency-cruiser's rules (.dependency-cruiser.cjs), which see resolved paths.
// TypeScript files are linted with type information for the promise rules (no-floating-promises,
// no-misused-promises).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

// Bare names (`fs`, `crypto`…); `node:`-prefixed ones are caught by the pattern `node:*`.
const nodeBuiltins = [...new Set(builtinModules.filter((m) => !m.startsWith('node:') && !m.startsWith('_')))];

const restrict = (patterns, paths = []) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { paths, patterns }],
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'test-results/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-control-regex': 'off',
    },
  },
  {
    files: ['shared/**/*.ts'],
    languageOptions: { globals: { TextEncoder: 'readonly', TextDecoder: 'readonly' } },
    rules: {
      ...restrict(
        [
          { group: ['**/electron/**', '**/renderer/**'], message: 'shared/ must not depend on electron/ or renderer/.' },
          { group: ['react', 'react-dom', 'react/*', 'react-dom/*'], message: 'shared/ must not depend on React.' },
          { group: ['node:*'], message: 'shared/ must stay free of Node built-ins: put it in electron/ (platform/ if it knows nothing of licensing).' },
        ],
        [
          { name: 'electron', message: 'shared/ must stay free of Electron.' },
          ...nodeBuiltins.map((name) => ({
            name,
            message: 'shared/ must stay free of Node built-ins: put it in electron/ (platform/ if it knows nothing of licensing).',
          })),
        ],
      ),
      'no-restricted-globals': [
        'error',
        'process',
        'Buffer',
        'window',
        'document',
        'require',
        '__dirname',
        'global',
        'globalThis',
        'navigator',
        'localStorage',
        'fetch',
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: restrict(
      [
        { group: ['**/electron/**'], message: 'renderer/ reaches the main process only through the bridge (its types are in shared/bridge.ts).' },
        { group: ['node:*'], message: 'renderer/ runs sandboxed: no Node built-ins.' },
      ],
      [
        { name: 'electron', message: 'renderer/ must not import Electron: use window.slr (the preload bridge).' },
        ...nodeBuiltins.map((name) => ({ name, message: 'renderer/ runs sandboxed: no Node built-ins.' })),
      ],
    ),
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // A promise returned from inside try without await escapes its catch and finally.
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
    },
  },
  {
    files: ['electron/**/*.ts'],
    rules: restrict([{ group: ['**/renderer/**'], message: 'electron/ must not import renderer/.' }]),
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: restrict([
      {
        regex: '^(?!electron$|(\\.\\./)+shared/bridge(-channels)?\\.ts$)',
        message: 'The preload imports only electron and the bridge contract (shared/bridge-channels.ts, shared/bridge.ts).',
      },
    ]),
  },
);
