/** Where state lives: --home, else $SLR_HOME, else the desktop app's own data directory. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_NAME = 'SLR Desk';

/** The directory Electron's app.getPath('userData') gives for this app, so the CLI and the app share state. */
export function appDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_NAME);
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), APP_NAME);
}

export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env.SLR_HOME ?? appDataDir(env);
}

/** The desktop app's Chromium profile (caches, local storage): a folder of its own inside the data directory. */
export const CHROMIUM_PROFILE_DIR = 'chromium-profile';
export const INSTANCE_STORE = 'product-instance';
export const AUTHORITY_DB = 'authority.sqlite';
