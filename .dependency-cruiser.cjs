// dependency-cruiser: no import circles anywhere in the sources (type-only imports count: a type that two
// modules need lives in a module both import). The layering rules themselves are ESLint's (eslint.config.js).
// `npm run lint` runs it; test/layering.test.ts proves that it fires.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import circle: move what both modules need into a module both import.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
  },
};
