/** The types the License Central workspace and its panels share (they import them from here, not from the workspace). */
import type { AuthorityView } from '../../shared/bridge.ts';

/** The workspace's view once License Central exists. */
export type Ready = Extract<AuthorityView, { initialized: true }>;
/** Loads the view again after a change. */
export type Refresh = () => Promise<unknown>;
