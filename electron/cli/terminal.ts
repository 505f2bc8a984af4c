/** Reading a secret from the terminal without showing it (a password at login). */
import { UsageError } from './output.ts';

/** One line typed on the terminal, not echoed; refused where there is no terminal (name the file option instead). */
export function readHiddenLine(prompt: string, fileOption: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return Promise.reject(new UsageError(`There is no terminal to ask for the password: give ${fileOption}.`));
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  let text = '';
  return new Promise((resolve, reject) => {
    const finish = () => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          finish();
          return resolve(text);
        }
        if (ch === '\u0003' || ch === '\u0004') {
          finish();
          return reject(new UsageError('Cancelled.'));
        }
        text = ch === '\u007f' || ch === '\b' ? [...text].slice(0, -1).join('') : text + ch;
      }
    };
    stdin.on('data', onData);
  });
}
