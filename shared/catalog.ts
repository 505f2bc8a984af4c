/**
 * The product catalog: which entitlements each product consumes, as data. Unified CM 12.x tags are exactly
 * those of the seeds' authorization code (seeds/003); Unity Connection's parameters are those of its license
 * table (seeds/001). The seeds name no tag for the version-independent (14+) licenses, the export keys or
 * Unity Connection, so those tags are ours, in the same regid form.
 */

export type ProductId = 'UCM' | 'CUC' | 'SME';

export interface EntitlementDef {
  /** Short name operators type (`UCM_Basic`), the part of the tag before the version. */
  readonly short: string;
  readonly tag: string;
  readonly displayName: string;
  readonly description: string;
  /** Release family: 12.x tags, or the version-independent licenses of release 14 and later. */
  readonly version: '12.x' | 'version-independent';
  /** Substitution group and level: a higher level may stand in for a lower one of the same group. */
  readonly hierarchy?: { readonly group: string; readonly level: number };
  /** The export-restricted authorization key: unlocks export-controlled functionality. */
  readonly exportKey?: true;
  /** False where the seeds say the license cannot be reserved (SpeechViewPro, SpeechConnectGuestUser). */
  readonly reservable: boolean;
  /** False where the seeds say evaluation mode does not offer it (SpeechView on Unity Connection). */
  readonly inEvaluation: boolean;
}

export interface ProductProfile {
  readonly id: ProductId;
  /** Index used inside request codes. */
  readonly codeIndex: number;
  readonly name: string;
  readonly productType: string;
  /** When the 90-day evaluation starts: at installation (Unified CM) or with the first license used (Unity Connection). */
  readonly evaluationStarts: 'install' | 'first-use';
  readonly entitlements: readonly EntitlementDef[];
  /**
   * The licenses a registration or reservation must at least hold (short name: count; a higher level of the
   * same group stands in). Session Management Edition's: the seeds require "a minimal set" without listing
   * it, so this one is ours (README says so).
   */
  readonly minimalSet?: Readonly<Record<string, number>>;
}

const ucm = (short: string, tag: string, displayName: string, description: string, level: number): EntitlementDef => ({
  short,
  tag,
  displayName,
  description,
  version: '12.x',
  hierarchy: { group: 'UCM user', level },
  reservable: true,
  inEvaluation: true,
});
const ucmVi = (short: string, tag: string, displayName: string, level: number): EntitlementDef => ({
  short,
  tag,
  displayName,
  description: displayName,
  version: 'version-independent',
  hierarchy: { group: 'UCM user (version independent)', level },
  reservable: true,
  inEvaluation: true,
});
const cuc = (short: string, tag: string, displayName: string, description: string, extra: Partial<EntitlementDef> = {}): EntitlementDef => ({
  short,
  tag,
  displayName,
  description,
  version: '12.x',
  reservable: true,
  inEvaluation: true,
  ...extra,
});

const UCM_AND_CUC: readonly ProductProfile[] = [
  {
    id: 'UCM',
    codeIndex: 1,
    name: 'Unified Communications Manager',
    productType: 'UCL',
    evaluationStarts: 'install',
    entitlements: [
      ucm(
        'UCM_Essential',
        'regid.2016-07.com.cisco.UCM_Essential,12.0_25f9c396-c67c-4519-aa98-d4b3ad18f805',
        'UC Manager Essential License (12.x)',
        'UC Manager Essential License',
        1,
      ),
      ucm(
        'UCM_Basic',
        'regid.2016-07.com.cisco.UCM_Basic,12.0_ef827a2f-f4ae-4ebb-887f-052737063d3a',
        'UC Manager Basic License (12.x)',
        'UC Manager Basic License',
        2,
      ),
      ucm(
        'UCM_Enhanced',
        'regid.2016-07.com.cisco.UCM_Enhanced,12.0_66d0d1cf-4863-4761-91d0-d01d3eb1949a',
        'UC Manager Enhanced License (12.x)',
        'UC Manager Enhanced License',
        3,
      ),
      ucm(
        'UCM_EnhancedPlus',
        'regid.2016-07.com.cisco.UCM_EnhancedPlus,12.0_d8372792-588c-4caa-b279-8587e5ce2f82',
        'UC Manager Enhanced Plus License (12.x)',
        'UC Manager Enhanced Plus License',
        4,
      ),
      ucm(
        'UCM_CUWL',
        'regid.2017-02.com.cisco.UCM_CUWL,12.0_cc59375a-1cd8-4b36-8366-6f4d2abba965',
        'UC Manager CUWL License (12.X)',
        'UC Manager CUWL License (12.X)',
        5,
      ),
      ucmVi('UCM_Access', 'regid.2020-11.com.cisco.UCM_Access,14.0_3f1c2a8e-5b7d-4e0f-9a61-2c8d4b7e9f10', 'UC Manager Access License (version independent)', 1),
      ucmVi(
        'UCM_Enhanced_VI',
        'regid.2020-11.com.cisco.UCM_Enhanced,14.0_8a4e6b2c-1d3f-4a5b-8c7d-9e0f1a2b3c4d',
        'UC Manager Enhanced License (version independent)',
        2,
      ),
      ucmVi(
        'UCM_Professional',
        'regid.2020-11.com.cisco.UCM_Professional,14.0_5d6e7f80-9a1b-4c2d-8e3f-4a5b6c7d8e9f',
        'UC Manager Professional License (version independent)',
        3,
      ),
      {
        short: 'UCM_Export_Key',
        tag: 'regid.2018-09.com.cisco.UCM_Export_Restricted_Authorization_Key,1.0_2b7c9d1e-3f4a-4b5c-8d6e-7f8a9b0c1d2e',
        displayName: 'CUCM Export Restricted Authorization Key',
        description: 'Allows export-controlled functionality (secure SIP trunk, mixed mode)',
        version: 'version-independent',
        exportKey: true,
        reservable: true,
        inEvaluation: false,
      },
    ],
  },
  {
    id: 'CUC',
    codeIndex: 2,
    name: 'Unity Connection',
    productType: 'CUC',
    evaluationStarts: 'first-use',
    entitlements: [
      cuc(
        'CUC_BasicMessaging',
        'regid.2017-05.com.cisco.CUC_BasicMessaging,12.0_1e2d3c4b-5a69-4788-9a0b-c1d2e3f40516',
        'Unity Connection Basic Messaging User Licenses (12.x)',
        'Total number of voicemail users',
        { hierarchy: { group: 'CUC messaging', level: 1 } },
      ),
      cuc(
        'CUC_EnhancedMessaging',
        'regid.2017-05.com.cisco.CUC_EnhancedMessaging,12.0_2f3e4d5c-6b7a-4899-8a1b-d2e3f4a51627',
        'Unity Connection Enhanced Messaging User Licenses (12.x)',
        'Total number of enhanced messaging users',
        { hierarchy: { group: 'CUC messaging', level: 2 } },
      ),
      cuc(
        'CUC_SpeechView',
        'regid.2017-05.com.cisco.CUC_SpeechView,12.0_3a4f5e6d-7c8b-49aa-8b2c-e3f4a5b62738',
        'Unity Connection SpeechView Standard User Licenses (12.x)',
        'Total number of speech view standard users',
        { inEvaluation: false },
      ),
      cuc(
        'CUC_SpeechConnectPort',
        'regid.2017-05.com.cisco.CUC_SpeechConnectPort,12.0_4b5a6f7e-8d9c-4abb-9c3d-f4a5b6c73849',
        'Unity Connection Speech Connect Port Licenses (12.x)',
        'Total number of speech connect ports',
      ),
      cuc(
        'CUC_SpeechViewPro',
        'regid.2017-05.com.cisco.CUC_SpeechViewPro,12.0_5c6b7a8f-9e0d-4bcc-8d4e-a5b6c7d8494a',
        'Unity Connection SpeechView Professional User Licenses (12.x)',
        'Total number of speech view professional users',
        { reservable: false, inEvaluation: false },
      ),
      cuc(
        'CUC_SpeechConnectGuestUser',
        'regid.2017-05.com.cisco.CUC_SpeechConnectGuestUser,12.0_6d7c8b9a-0f1e-4cdd-9e5f-b6c7d8e95a5b',
        'Unity Connection Speech Connect Guest User Licenses (12.x)',
        'Total number of contacts',
        { reservable: false },
      ),
      {
        short: 'CUC_Export_Key',
        tag: 'regid.2019-01.com.cisco.CUC_Export_Restricted_Authorization_Key,1.0_7e8d9cab-1a2f-4dee-8f6a-c7d8e9fa6b6c',
        displayName: 'CUC Export Restricted Authorization Key',
        description: 'PID CUC-SL-EXRTKY-K9=: allows encryption (export-controlled functionality)',
        version: 'version-independent',
        exportKey: true,
        reservable: true,
        inEvaluation: false,
      },
    ],
  },
];

/**
 * Session Management Edition: registered and reserved "using the same processes as Unified Communications
 * Manager", into a virtual account of Unified CM or its own, so it draws on the same UC Manager licenses.
 */
export const PRODUCTS: readonly ProductProfile[] = [
  ...UCM_AND_CUC,
  {
    id: 'SME',
    codeIndex: 3,
    name: 'Session Management Edition',
    productType: 'SME',
    evaluationStarts: 'install',
    entitlements: UCM_AND_CUC[0]!.entitlements,
    minimalSet: { UCM_Basic: 1 },
  },
];

/** How many of `short` (or of a higher level of its group) `counts` hold; counts are by tag or short name. */
function heldAtLeast(product: ProductProfile, counts: Readonly<Record<string, number>>, def: EntitlementDef): number {
  const standIns = [def, ...substitutesFor(product, def)];
  return Object.entries(counts)
    .filter(([k]) => standIns.some((d) => d.tag === k || d.short.toLowerCase() === k.toLowerCase()))
    .reduce((n, [, v]) => n + v, 0);
}

/** What `counts` lack of the product's minimal set, in words (empty: nothing, or no minimal set). */
export function minimalSetShortfall(product: ProductProfile, counts: Readonly<Record<string, number>>): string[] {
  return Object.entries(product.minimalSet ?? {}).flatMap(([short, need]) => {
    const def = findEntitlement(product, short)!;
    const have = heldAtLeast(product, counts, def);
    return have >= need ? [] : [`${need} × ${def.displayName} or higher (${have} given)`];
  });
}

export function productById(id: string): ProductProfile | undefined {
  return PRODUCTS.find((p) => p.id === id);
}

export function productByCodeIndex(index: number): ProductProfile | undefined {
  return PRODUCTS.find((p) => p.codeIndex === index);
}

/** Finds an entitlement of a product by its full tag or its short name (case-insensitive). */
export function findEntitlement(product: ProductProfile, tagOrShort: string): EntitlementDef | undefined {
  const key = tagOrShort.trim();
  return product.entitlements.find((e) => e.tag === key || e.short.toLowerCase() === key.toLowerCase());
}

/** Finds an entitlement by tag or short name in any product. */
export function findAnyEntitlement(tagOrShort: string): { product: ProductProfile; def: EntitlementDef } | undefined {
  for (const product of PRODUCTS) {
    const def = findEntitlement(product, tagOrShort);
    if (def) return { product, def };
  }
  return undefined;
}

/** Entitlements that may stand in for `def` (same group, higher level), nearest first. */
export function substitutesFor(product: ProductProfile, def: EntitlementDef): EntitlementDef[] {
  const h = def.hierarchy;
  if (!h) return [];
  return product.entitlements
    .filter((e) => e.hierarchy?.group === h.group && e.hierarchy.level > h.level)
    .sort((a, b) => a.hierarchy!.level - b.hierarchy!.level);
}
