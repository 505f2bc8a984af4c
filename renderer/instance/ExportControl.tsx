/**
 * Export control online in the Smart Software Licensing section (the seeds' `license smart export request|
 * return local <feature>` and `license smart export cancel`): each export feature of the product, whether this
 * instance holds its export authorization key, and the action that applies; a request or return that did not
 * reach License Central, shown as pending with the way to stop its automatic retry.
 */
import type { InstanceView, OnlineResult } from '../../shared/bridge.ts';
import { productById } from '../../shared/catalog.ts';
import { exportFeatures, exportKeyText } from '../../shared/export-control.ts';
import type { ExportGrant } from '../../shared/registration/protocol.ts';
import { call } from '../bridge.ts';
import { Notice } from '../components/Notice.tsx';
import { formatWhen } from '../components/format.ts';

type Existing = Extract<InstanceView, { exists: true }>;

interface Props {
  readonly view: Existing;
  readonly busy: boolean;
  readonly run: (fn: () => Promise<unknown>) => Promise<unknown>;
  readonly onDone: (r: OnlineResult) => Promise<void>;
  /** After a refusal too: a call that did not reach License Central leaves the operation pending. */
  readonly refresh: () => Promise<unknown>;
}

export function ExportControl({ view, busy, run, onDone, refresh }: Props) {
  const link = view.status.online?.link;
  const product = productById(view.status.product.id);
  if (!link || !product) return null;
  const features = exportFeatures(product);
  if (!features.length) return null;
  const keys = link.exportKeys ?? [];
  const pending = link.exportPending ?? null;
  const act = (input: Parameters<typeof call<'instanceSmartExport'>>[1]) =>
    void run(async () => {
      try {
        await onDone(await call('instanceSmartExport', input));
      } catch (e) {
        await refresh();
        throw e;
      }
    });
  return (
    <section aria-labelledby="export-title">
      <h3 id="export-title">Export Control</h3>
      {!link.exportControlled && (
        <p className="help">The token this product instance registered with does not allow export-controlled functionality: no export key can be requested.</p>
      )}
      {pending && (
        <Notice kind="warning" title={`Export ${pending.op} pending`}>
          The export {pending.op} for <code>{pending.feature}</code> did not reach License Central ({formatWhen(pending.since)}): it is retried automatically.
          <div className="actions">
            <button type="button" disabled={busy} onClick={() => act({ op: 'cancel' })}>
              Cancel Retry
            </button>
          </div>
        </Notice>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">Export feature</th>
            <th scope="col">Export authorization key</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {features.map((f) => (
            <FeatureRow key={f.name} feature={f} held={keys.find((k) => k.feature === f.name)} allowed={link.exportControlled} busy={busy} act={act} />
          ))}
        </tbody>
      </table>
    </section>
  );
}

type Act = (input: { op: 'request' | 'return'; feature: string }) => void;

function FeatureRow({
  feature: f,
  held: key,
  allowed,
  busy,
  act,
}: {
  feature: ReturnType<typeof exportFeatures>[number];
  held: ExportGrant | undefined;
  allowed: boolean;
  busy: boolean;
  act: Act;
}) {
  return (
    <tr>
      <td>
        <code className="wrap">{f.name}</code>
        <div className="help">{f.def.displayName}</div>
      </td>
      <td data-testid={`export-key-${f.name}`}>{key ? `${exportKeyText(key)} (granted ${formatWhen(key.grantedAt)})` : 'None'}</td>
      <td>
        {key ? (
          <button type="button" disabled={busy} onClick={() => act({ op: 'return', feature: f.name })}>
            Return {f.name}
          </button>
        ) : (
          <button type="button" disabled={busy || !allowed} onClick={() => act({ op: 'request', feature: f.name })}>
            Request {f.name}
          </button>
        )}
      </td>
    </tr>
  );
}
