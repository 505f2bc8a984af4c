// Stands in for the `electron` package in Node tests (the real one downloads a binary when imported).
// It only has to exist: anything that calls into it in a test is a test that should use a fake instead.
const unavailable = new Proxy(
  {},
  {
    get: (_t, name) => {
      throw new Error(`electron.${String(name)} is not available in Node tests`);
    },
  },
);
export default unavailable;
export const app = unavailable;
export const ipcMain = unavailable;
export const safeStorage = unavailable;
