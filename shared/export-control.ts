/**
 * Export control's names, from the product catalog (one place): the export features a product has, each named
 * as the seeds write it on the command line (`license smart export request local
 * CUC_Export_Restricted_Authorization_Key`): the name inside its export key license's tag. The names are
 * matched exactly, case as written; anything else is refused with the names that are.
 */
import type { EntitlementDef, ProductProfile } from './catalog.ts';
import type { ExportGrant } from './registration/protocol.ts';

/** The feature name of an export key license: the name in its tag (`regid.…com.cisco.<name>,<version>_<uuid>`). */
export function exportFeatureName(def: EntitlementDef): string {
  const m = /\.com\.cisco\.([A-Za-z0-9_]+),/.exec(def.tag);
  return m ? m[1]! : def.short;
}

/** The export features of a product, with the license each one takes. */
export function exportFeatures(product: ProductProfile): { readonly name: string; readonly def: EntitlementDef }[] {
  return product.entitlements.filter((e) => e.exportKey).map((def) => ({ name: exportFeatureName(def), def }));
}

/** The feature called `name` exactly, or null (the caller refuses, listing `exportFeatures`). */
export function findExportFeature(product: ProductProfile, name: string): { readonly name: string; readonly def: EntitlementDef } | null {
  return exportFeatures(product).find((f) => f.name === name) ?? null;
}

/** The sentence that refuses a feature name, listing those of the product. */
export function unknownFeatureText(product: ProductProfile, name: string): string {
  const names = exportFeatures(product).map((f) => f.name);
  const shown = name.length > 80 ? `${name.slice(0, 80)}…` : name;
  return names.length
    ? `"${shown}" is not an export feature of ${product.name}: use ${names.join(' or ')} (case as written).`
    : `${product.name} has no export-controlled feature to request.`;
}

/** A short form of an export authorization key to show: its grant and the start of License Central's signature. */
export const exportKeyText = (k: Pick<ExportGrant, 'grant' | 'signature'>): string => `${k.grant}-${k.signature.replace(/[^A-Za-z0-9]/g, '').slice(0, 16)}`;
