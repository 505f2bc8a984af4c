// The release step for the air gap: writes SHA256SUMS over the installers in a directory (the format of
// `sha256sum`, so `sha256sum -c SHA256SUMS` checks them) and, given the release signing key, a detached
// signature SHA256SUMS.sig (ECDSA P-256 with SHA-256, DER: what `openssl dgst -sha256 -verify` checks).
// README ("Installers and the air gap") says how an operator checks both before installing.
//
//   node build/release-sums.mjs --dir dist [--key release-key.pem]   (or SLR_RELEASE_KEY=release-key.pem)
import { createHash, createPrivateKey, sign } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/** What an installer is called, by platform: nothing else in the directory is summed. */
const INSTALLER = /\.(AppImage|deb|rpm|exe|msi|dmg|zip|tar\.gz)$/;

function fail(message) {
  console.error(`release-sums: ${message}`);
  process.exit(2);
}

const { values } = parseArgs({ options: { dir: { type: 'string' }, key: { type: 'string' } }, strict: true });
const dir = values.dir ?? fail('give --dir DIR, the directory of the installers.');
const keyFile = values.key ?? process.env.SLR_RELEASE_KEY;

let names;
try {
  names = readdirSync(dir)
    .filter((n) => INSTALLER.test(n) && statSync(join(dir, n)).isFile())
    .sort();
} catch (e) {
  fail(`cannot read ${dir}: ${e.message}`);
}
if (names.length === 0) fail(`no installer in ${dir} (looked for ${INSTALLER.source}): nothing to sum.`);

let key;
if (keyFile) {
  try {
    key = createPrivateKey(readFileSync(keyFile, 'utf8'));
  } catch (e) {
    fail(`cannot read the release key ${keyFile}: ${e.message}`);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    fail(`the release key ${keyFile} is not an ECDSA P-256 private key (it is ${key.asymmetricKeyType}).`);
}

const sums = names
  .map(
    (n) =>
      `${createHash('sha256')
        .update(readFileSync(join(dir, n)))
        .digest('hex')}  ${n}\n`,
  )
  .join('');
writeFileSync(join(dir, 'SHA256SUMS'), sums);
console.log(`wrote ${join(dir, 'SHA256SUMS')} (${names.length} installer${names.length === 1 ? '' : 's'})`);
if (key) {
  writeFileSync(join(dir, 'SHA256SUMS.sig'), sign('sha256', Buffer.from(sums), key));
  console.log(`wrote ${join(dir, 'SHA256SUMS.sig')}`);
} else {
  console.error('release-sums: no release key (--key or SLR_RELEASE_KEY): SHA256SUMS is NOT signed; do not publish it unsigned.');
  process.exit(1);
}
