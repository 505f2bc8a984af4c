// An integrator's first script (issue 29): a client generated from electron/server/openapi.json with a standard
// generator (@hey-api/openapi-ts, its fetch client) type-checks against the document (answers typed, not
// `unknown`; a misspelt field, an unknown body field and a change without its idempotency key do not compile),
// and, compiled by tsc, runs against the real server: log in, add a virtual account and licenses, make and
// revoke a registration token, read the Licenses table, with every answer as the document says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PASSWORD, startServer, type TestServer } from './helpers/server.ts';
import { scaled } from './helpers/time-scale.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);

const SCRIPT = `import { createClient } from './generated/client/index.js';
import { accountAdd, licenseAdd, licenses, login, reserve, tokenCreate, tokenRevoke, whoami } from './generated/sdk.gen.js';

declare const process: { argv: string[]; pid: number };

const [url, password] = process.argv.slice(2) as [string, string];
let n = 0;
const key = () => \`integrator-\${process.pid}-\${++n}\`;
const client = createClient({ baseUrl: url });
const session = await login({ client, body: { user: 'admin', password } });
if (!session.data) throw new Error(\`login: \${JSON.stringify(session.error)}\`);
const token: string = session.data.value.token;
const role: 'smart-account-admin' | 'va-admin' | 'va-user' = session.data.value.user.role;
client.setConfig({ auth: () => token });
const me = await whoami({ client, body: {} });
const added = await accountAdd({ client, body: { name: 'Integrators' }, headers: { 'idempotency-key': key() } });
const account: string | undefined = added.data?.value.account;
await licenseAdd({ client, body: { account: account!, tag: 'UCM_Basic', count: 7 }, headers: { 'idempotency-key': key() } });
const made = await tokenCreate({ client, body: { account: account!, server: url }, headers: { 'idempotency-key': key() } });
const id: string = made.data!.value.id;
const expires: number = made.data!.value.expiresAt;
await tokenRevoke({ client, body: { id }, headers: { 'idempotency-key': key() } });
const table = await licenses({ client, body: { account } });
const line = table.data?.value.find((l) => l.account === account);
const available: number | undefined = line?.available;
const refused = await reserve({ client, body: { account: account!, request: 'not a code', licenses: { UCM_Basic: 1 } }, headers: { 'idempotency-key': key() } });
const why: string | undefined = refused.error?.error.message;
console.log(JSON.stringify({ role, me: me.data?.value.name, account, available, expires: expires > 0, status: refused.response?.status, why }));

// What must not compile: the document is specific, not \`unknown\` or \`any\`.
export function wrong(): void {
  // @ts-expect-error: a field the Licenses table does not have
  void line?.purchasedd;
  // @ts-expect-error: a body field the operation does not take
  void reserve({ client, body: { account: 'x', request: 'x', licenses: {}, extra: 1 }, headers: { 'idempotency-key': key() } });
  // @ts-expect-error: a change without its idempotency key
  void accountAdd({ client, body: { name: 'x' } });
  // @ts-expect-error: the role is one of three
  const other: 'root' = session.data!.value.user.role;
  void other;
}
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    lib: ['ES2022', 'DOM'],
    types: [],
    skipLibCheck: true,
    outDir: 'out',
    rootDir: '.',
  },
  include: ['*.ts', 'generated/**/*.ts'],
};

let s: TestServer;
beforeAll(async () => {
  s = await startServer('sqlite', Date.UTC(2026, 5, 1), null);
});
afterAll(async () => s?.stop());

describe('a client generated from the OpenAPI document', () => {
  it(
    'type-checks against it, and runs against the server as the document says',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'slr-openapi-client-'));
      const gen = spawnSync(
        bin('openapi-ts'),
        ['-i', join(ROOT, 'electron/server/openapi.json'), '-o', join(dir, 'generated'), '-c', '@hey-api/client-fetch', '-s', '--no-log-file'],
        {
          encoding: 'utf8',
          timeout: scaled(120_000),
        },
      );
      expect(gen.status, gen.stderr + gen.stdout).toBe(0);
      writeFileSync(join(dir, 'integrator.ts'), SCRIPT);
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG));
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
      const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8', timeout: scaled(120_000) });
      expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
      writeFileSync(join(dir, 'server.pem'), s.certificate);
      writeFileSync(join(dir, 'out', 'package.json'), JSON.stringify({ type: 'module' }));
      // Asynchronously: the server answers from this very process. Its certificate is the one trusted (pinned).
      const run = await promisify(execFile)(process.execPath, [join(dir, 'out', 'integrator.js'), s.url, PASSWORD], {
        encoding: 'utf8',
        env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'server.pem') },
        timeout: scaled(60_000),
      });
      expect(JSON.parse(run.stdout)).toEqual({
        role: 'smart-account-admin',
        me: 'admin',
        account: 'Integrators',
        available: 7,
        expires: true,
        status: 409,
        why: expect.stringMatching(/request code/i),
      });
    },
    scaled(240_000),
  );
});
