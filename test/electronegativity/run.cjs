// Runs Electronegativity over a directory and writes a SARIF report, offline. The tool fetches translations
// and Electron's release list over the network; here `got` is replaced by a request that fails at once
// (the translations fall back to the bundled English ones, and the release check is excluded: it cannot
// work without a network, and Electron's version is pinned in package-lock.json instead).
const Module = require('node:module');
const path = require('node:path');

const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'got') {
    const offline = () => Promise.reject(new Error('offline'));
    return Object.assign(offline, { default: offline });
  }
  return load.call(this, request, ...rest);
};

// Its CSV report is written with two concurrent fs.writeFile calls (the header, truncating, and the rows,
// appending), so the rows can be lost when the header lands last. Writing synchronously keeps the order.
const fs = require('node:fs');
fs.writeFile = (file, data, options, callback) => {
  const cb = typeof options === 'function' ? options : callback;
  try {
    fs.writeFileSync(file, data, typeof options === 'function' ? undefined : options);
  } catch (e) {
    if (cb) return cb(e);
    throw e;
  }
  if (cb) cb(null);
};

const [input, output, electronVersion] = process.argv.slice(2);
const runner = require('@doyensec/electronegativity');
const run = runner.default ?? runner;
run(
  {
    input: path.resolve(input),
    output: path.resolve(output),
    isSarif: output.endsWith('.sarif'),
    customScan: [],
    excludeFromScan: ['availablesecurityfixesglobalcheck'],
    severitySet: undefined,
    confidenceSet: undefined,
    isRelative: true,
    isVerbose: false,
    electronUpgrade: undefined,
    electronVersionOverride: electronVersion,
    parserPlugins: [],
  },
  false,
).catch((e) => {
  console.error(e.stack);
  process.exitCode = 2;
});
