// Which Node runs `slr`: checked before anything else is loaded, in plain JavaScript that any Node runs, so
// that an old Node gets one line saying what is needed instead of a loader's stack trace.
export const NEEDED = [22, 18];

/** The message for a Node too old to run slr, or null when this one will do. */
export function tooOld(version) {
  const [major, minor] = version.split('.').map(Number);
  if (major > NEEDED[0] || (major === NEEDED[0] && minor >= NEEDED[1])) return null;
  return (
    `slr needs Node ${NEEDED.join('.')} or newer (it is tested with Node 24 LTS); this is Node ${version}. ` +
    'Install Node 24 (your package manager, nodejs.org, or `npm install --prefix ~/.local/node24 node@24` and put ' +
    '~/.local/node24/node_modules/node/bin first in PATH), then run slr again.'
  );
}
