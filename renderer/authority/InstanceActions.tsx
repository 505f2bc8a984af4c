/**
 * What can be done to one product instance, opened from the instances list: update (a new code), enter its
 * confirmation code, remove it with its return code, rehost, transfer, or show its latest code again.
 */
import { useCallback, useEffect, useState } from 'react';
import type { AuthorityView, InstanceLineView, IssuedView } from '../../shared/bridge.ts';
import { PRODUCTS } from '../../shared/catalog.ts';
import { call } from '../bridge.ts';
import { CodeBox } from '../components/CodeBox.tsx';
import { CodeInput } from '../components/CodeInput.tsx';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';

type Ready = Extract<AuthorityView, { initialized: true }>;
type Refresh = () => Promise<unknown>;

export type InstanceAction = 'update' | 'confirm' | 'remove' | 'rehost' | 'transfer' | 'code';
export const ACTION_LABELS: Record<InstanceAction, string> = {
  update: 'Update Reserved Licenses…',
  confirm: 'Enter Confirmation Code…',
  remove: 'Remove…',
  rehost: 'Rehost Licenses from a Failed Product…',
  transfer: 'Transfer…',
  code: 'Authorization Code',
};

export function InstanceActionPanel({
  instance,
  action,
  view,
  refresh,
  close,
}: {
  instance: InstanceLineView;
  action: InstanceAction;
  view: Ready;
  refresh: Refresh;
  close: () => void;
}) {
  const act = useAction();
  const [text, setText] = useState('');
  const [reason, setReason] = useState('');
  const [to, setTo] = useState(view.accounts.find((a) => a !== instance.account) ?? '');
  const [issued, setIssued] = useState<IssuedView | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const product = PRODUCTS.find((p) => instance.udi.startsWith(`P:${p.id},`))!;
  const [counts, setCounts] = useState<Record<string, string>>(() =>
    Object.fromEntries(product.entitlements.filter((e) => e.reservable).map((e) => [e.short, String(instance.reserved[e.short] ?? 0)])),
  );
  useEffect(() => {
    if (action === 'code') void act.run(async () => setIssued(await call('authorityLatestCode', instance.sn)));
  }, [action, instance.sn, act.run]);
  const title = `${ACTION_LABELS[action].replace('…', '')}: ${instance.udi}`;
  const after = async (message: string) => {
    setNote(message);
    await refresh();
  };
  const onText = useCallback((v: string) => setText(v), []);
  return (
    <section className="card action-panel" aria-labelledby="action-title">
      <h3 id="action-title">{title}</h3>
      {action === 'update' && !issued && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void act.run(async () => {
              const changed = Object.fromEntries(
                Object.entries(counts)
                  .filter(([k, v]) => Number(v) !== (instance.reserved[k] ?? 0))
                  .map(([k, v]) => [k, Number(v)]),
              );
              const r = await call('authorityUpdate', { instance: instance.sn, licenses: changed });
              setIssued(r);
              await after(
                r.inTransition ? `${r.inTransition} license(s) stay in transition until the device's confirmation code is entered.` : 'Reservation updated.',
              );
            });
          }}
        >
          <p>In order to continue, ensure that you have a surplus of the licenses you want to reserve in the virtual account.</p>
          <table>
            <caption>Licenses to reserve</caption>
            <thead>
              <tr>
                <th scope="col">License</th>
                <th scope="col">Available</th>
                <th scope="col">Reserve</th>
              </tr>
            </thead>
            <tbody>
              {Object.keys(counts).map((short) => {
                const def = product.entitlements.find((e) => e.short === short)!;
                const line = view.licenses.find((l) => l.account === instance.account && l.short === short);
                return (
                  <tr key={short}>
                    <td>
                      <label htmlFor={`upd-${short}`}>{def.displayName}</label>
                    </td>
                    <td>{line?.available ?? 0}</td>
                    <td>
                      <input
                        id={`upd-${short}`}
                        type="number"
                        min={0}
                        value={counts[short]}
                        onChange={(e) => setCounts({ ...counts, [short]: e.target.value })}
                      />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <button type="submit" className="primary" disabled={act.busy}>
            Generate authorization code
          </button>
        </form>
      )}
      {action === 'confirm' && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void act.run(async () => {
              const r = await call('authorityConfirm', { instance: instance.sn, code: text });
              await after(`Confirmation code accepted: ${r.released} license(s) released from transition.`);
            });
          }}
        >
          <CodeInput kind="confirmation" value={text} onChange={onText} error={act.error} rows={1} />
          <button type="submit" className="primary" disabled={act.busy || !text.trim()}>
            Enter confirmation code
          </button>
        </form>
      )}
      {action === 'remove' && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void act.run(async () => {
              const r = await call('authorityRemove', { instance: instance.sn, returnCode: text });
              await after(`Product instance removed: ${r.released} license(s) returned to the pool.`);
            });
          }}
        >
          <p>
            To remove a product instance that has reserved licenses and make those licenses available again, enter the Reservation Return Code generated by the
            product instance.
          </p>
          <CodeInput kind="return" value={text} onChange={onText} error={act.error} rows={2} />
          <button type="submit" className="danger" disabled={act.busy || !text.trim()}>
            Remove Product Instance
          </button>
        </form>
      )}
      {action === 'rehost' && !issued && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void act.run(async () => {
              const r = await call('authorityRehost', { instance: instance.sn, request: text, reason });
              setIssued(r);
              await after(`Licenses rehosted to ${r.udi}.`);
            });
          }}
        >
          <p>The failed product can no longer confirm or return once its licenses move to the new device.</p>
          <CodeInput kind="request" value={text} onChange={onText} error={act.error} rows={3} />
          <label htmlFor="rehost-reason">Reason</label>
          <input id="rehost-reason" value={reason} onChange={(e) => setReason(e.target.value)} required maxLength={200} />
          <button type="submit" className="primary" disabled={act.busy || !text.trim() || !reason.trim()}>
            Rehost licenses
          </button>
        </form>
      )}
      {action === 'transfer' && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void act.run(async () => {
              await call('authorityTransfer', { instance: instance.sn, to });
              await after(`Transferred to ${to} with its reserved licenses.`);
            });
          }}
        >
          <label htmlFor="transfer-to">To virtual account</label>
          <select id="transfer-to" value={to} onChange={(e) => setTo(e.target.value)}>
            {view.accounts
              .filter((a) => a !== instance.account)
              .map((a) => (
                <option key={a}>{a}</option>
              ))}
          </select>
          <button type="submit" className="primary" disabled={act.busy || !to}>
            Transfer
          </button>
          <ErrorNotice error={act.error} />
        </form>
      )}
      {issued && (
        <CodeBox
          kind="authorization"
          code={issued.code}
          sn={issued.sn}
          caption={`For ${issued.udi}. Install it on the device; after an update, enter the device's confirmation code here.`}
        />
      )}
      {note && <Notice kind="success">{note}</Notice>}
      {(action === 'update' || action === 'code') && <ErrorNotice error={act.error} />}
      <div className="actions">
        <button type="button" onClick={close}>
          Close
        </button>
      </div>
    </section>
  );
}
