/**
 * The app's control for each command of the CLI that engine messages name in `backticks`: the app never
 * tells the user to type a command it offers as a button.
 */
const CONTROLS: readonly (readonly [RegExp, string])[] = [
  [/^(?:slr )?license smart reservation enable$/, '“Enable license reservation” (Reservation tab)'],
  [/^(?:slr )?license smart reservation disable$/, '“Disable license reservation” (Reservation tab)'],
  [/^(?:slr )?license smart reservation request(?: specific)?(?: > \S+)?$/, '“Generate request code” (Reservation tab)'],
  [/^(?:slr )?license smart reservation cancel$/, '“Cancel request…” (Reservation tab)'],
  [/^(?:slr )?license smart reservation return$/, '“Return reservation…” (Reservation tab)'],
  [/^(?:slr )?license smart reservation return-authorization\b.*$/, '“Check code”, then “Return it without installing” (Reservation tab)'],
  [/^(?:slr )?license smart reservation install(?:-file)?\b.*$/, '“Install authorization code” (Reservation tab)'],
  [/^slr license trust add\b.*$/, '“Add License Central key…” (Settings tab)'],
  [/^slr utils ctl set-cluster non-secure-mode$/, '“Disable mixed mode (secure mode)” (Settings tab)'],
  [/^slr utils cuc encryption disable$/, '“Disable encryption” (Settings tab)'],
  [/^slr sip-trunk remove\b.*$/, 'the trunk’s “Remove” (Settings tab, SIP trunks)'],
  [/^slr cluster leave --force$/, '“Leave without telling the publisher” (Settings tab, Cluster)'],
  [/^slr cluster remove-node\b.*$/, 'the node’s “Remove” on the publisher (Settings tab, Cluster)'],
  [/^slr cluster add-node\b.*$/, '“Add node” on the publisher (Settings tab, Cluster)'],
  [/^slr show license reservation$/, 'the Status panel'],
  [/^slr init --pid\b.*$/, '“Create product instance”'],
  [/^slr authority init\b.*$/, '“Create License Central” (License Authority)'],
  [/^--passphrase-file\b.*$/, '“Unlock signing keys” (at the top of License Central)'],
  [/^slr authority key protect\b.*$/, '“Encrypt the keys…” (Signing Keys tab)'],
  [/^slr authority key add$/, '“Add a new signing key…” (Signing Keys tab)'],
  [/^slr authority key export\b.*$/, '“Export public key…” (Signing Keys tab)'],
  [/^slr authority account add\b.*$/, '“Add virtual account” (Licenses tab)'],
  [/^slr authority show instances$/, 'the Product Instances tab'],
  [/^slr authority update$/, 'the instance’s “Update Reserved Licenses…” action (Product Instances tab)'],
  [/^slr authority unlock\b.*$/, 'the instance’s “Unlock” button (Product Instances tab)'],
];

/** The control that does what `command` does, or null when the app has none. */
export function controlFor(command: string): string | null {
  return CONTROLS.find(([re]) => re.test(command.trim()))?.[1] ?? null;
}
