// dependency-cruiser: the rooms of the Node side and what each may import (README, "Architecture"), and no
// import circles anywhere in the sources (type-only imports count: a type that two modules need lives in a
// module both import). The rules for shared/, renderer/ and the preload are ESLint's (eslint.config.js).
// `npm run lint` runs it; test/layering.test.ts proves that every rule fires.

/** A room whose modules import, of electron/, only the rooms matching `allowed`. */
const room = (name, from, allowed, comment) => ({
  name,
  comment,
  severity: 'error',
  from: { path: from },
  to: { path: '^electron/', pathNot: allowed },
});
/** Modules under `from` never import those under `to`. */
const never = (name, from, to, comment) => ({ name, comment, severity: 'error', from: { path: from }, to: { path: to } });

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
    room('platform', '^electron/platform/', '^electron/platform/', 'platform/ (files, locks, crypto, OS secrets) knows nothing of the rooms above it.'),
    room('net', '^electron/net/', '^electron/(platform|net)/', "net/ (License Central's HTTPS client) stands on platform/ only."),
    room('documents', '^electron/documents/', '^electron/(platform|documents)/', 'documents/ (QR images, receipts) stands on platform/ only.'),
    room(
      'device',
      '^electron/device/',
      '^electron/(platform|net|device)/',
      'device/ (the product instance) never imports the authority, the app, the server or the CLI.',
    ),
    room(
      'authority',
      '^electron/authority/',
      '^electron/(platform|net|authority)/',
      'authority/ (License Central) never imports the device, the app, the server or the CLI.',
    ),
    room(
      'authority-db',
      '^electron/authority/db/',
      '^electron/authority/db/',
      'authority/db/ (the engines behind one interface) knows nothing of the ledger above it.',
    ),
    never(
      'authority-operations',
      '^electron/authority/(ledger|keys|users)/',
      '^electron/authority/(remote/|[^/]+$)',
      'The ledger operations (ledger/, keys/, users/) are put together by authority/ledger.ts: they never import it, its neighbours or remote/.',
    ),
    never(
      'authority-remote',
      '^electron/authority/remote/',
      '^electron/authority/(ledger|keys|users|db)/',
      "authority/remote/ runs operations on a server: it holds none of the ledger's own code.",
    ),
    room(
      'app',
      '^electron/app/',
      '^electron/(platform|net|documents|device|authority|app)/',
      'app/ (the bridge) is called by main/: it never imports main/, cli/ or server/.',
    ),
    room(
      'server',
      '^electron/server/',
      '^electron/(platform|net|authority|server)/',
      'server/ adapts the authority to HTTP: it never imports the device, the app, main/ or cli/.',
    ),
    never('cli', '^electron/cli/', '^electron/(main|app|preload)/', 'cli/ and main/ are both composition roots: cli/ never imports main/ or app/.'),
    never(
      'cli-device',
      '^electron/cli/device/',
      '^electron/(authority|server|documents|cli/authority)/',
      "The device's commands (cli/device/) carry no authority or server code: the device's bundle holds only its side.",
    ),
    never(
      'cli-authority',
      '^electron/cli/authority/',
      '^electron/cli/device/',
      "License Central's commands share cli/'s parsing and output, never the device's commands.",
    ),
    never('main', '^electron/main/', '^electron/(cli|server)/', 'main/ never imports cli/ or server/: it reaches a server as a client, through app/.'),
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
  },
};
