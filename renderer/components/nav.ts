import { createContext } from 'react';

/**
 * Opens the product instance's Settings with the focus on "Add License Central key…": given by the
 * workspace, used by messages about trust (an untrusted code, a key file dropped where a code goes).
 */
export const OpenTrustSettings = createContext<(() => void) | null>(null);

/** Refusals that are about which License Central keys the device trusts. */
export const TRUST_CODES: ReadonlySet<string> = new Set(['untrusted', 'not-trusted', 'key-not-endorsed', 'endorsement-invalid']);

/**
 * Opens the product instance's restore and recovery screen: given by the workspace, used by a message that
 * says the state cannot be used (changed outside SLR Desk, or damaged).
 */
export const OpenStateRecovery = createContext<(() => void) | null>(null);
