/**
 * License Central's webhooks in the app (issue 30): add one (a receiver's URL, the virtual account or the whole
 * smart account, the events it takes; its secret shown once), the webhooks with their deliveries, a test
 * delivery sent at once, the delivery log, remove. Connected, the server sends them; on the app's own ledger,
 * `slr authority serve` does while it runs on it.
 */
import { useCallback, useEffect, useState } from 'react';
import type { BridgeResults } from '../../shared/bridge.ts';
import { WEBHOOK_EVENT_NAMES, type DeliveryLine, type WebhookEvent, type WebhookLine } from '../../shared/authority/webhooks.ts';
import { call } from '../bridge.ts';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import { formatWhen } from '../components/format.ts';
import type { Ready, Refresh } from './types.ts';

const WHOLE = '';

/** The events a webhook takes, one checkbox each (all, to begin with). */
function EventsField({ events, setEvents }: { events: readonly WebhookEvent[]; setEvents: (e: readonly WebhookEvent[]) => void }) {
  const toggle = (e: WebhookEvent, on: boolean) =>
    setEvents(on ? WEBHOOK_EVENT_NAMES.filter((n) => n === e || events.includes(n)) : events.filter((n) => n !== e));
  return (
    <fieldset>
      <legend>Events</legend>
      {WEBHOOK_EVENT_NAMES.map((e) => (
        <label key={e} className="choice">
          <input type="checkbox" checked={events.includes(e)} onChange={(x) => toggle(e, x.target.checked)} /> {e}
        </label>
      ))}
    </fieldset>
  );
}

/** A webhook just added: its secret, shown this once. */
function MadeWebhook({ made }: { made: BridgeResults['authorityWebhookAdd'] }) {
  return (
    <Notice kind="success" title={`Webhook ${made.id} added: its secret, shown this once.`}>
      <p>The receiver checks each delivery’s slr-signature header with it (HMAC-SHA256 of “timestamp.body”).</p>
      <code data-testid="webhook-secret">{made.secret}</code>
    </Notice>
  );
}

function NewWebhook({ view, onMade }: { view: Ready; onMade: () => Promise<void> }) {
  const [url, setUrl] = useState('https://');
  const [account, setAccount] = useState(WHOLE);
  const [events, setEvents] = useState<readonly WebhookEvent[]>(WEBHOOK_EVENT_NAMES);
  const [description, setDescription] = useState('');
  const [made, setMade] = useState<BridgeResults['authorityWebhookAdd'] | null>(null);
  const act = useAction();
  return (
    <form
      className="card"
      aria-labelledby="webhook-title"
      onSubmit={(e) => {
        e.preventDefault();
        void act.run(async () => {
          setMade(
            await call('authorityWebhookAdd', { url: url.trim(), ...(account ? { account } : {}), events: [...events], description: description.trim() }),
          );
          await onMade();
        });
      }}
    >
      <h3 id="webhook-title">New Webhook</h3>
      <p className="help">
        {view.connection ? (
          'The server sends each event it takes, signed with its secret, and tries again for a day.'
        ) : (
          <>
            Sent while <code>slr authority serve</code> runs on this ledger, signed with its secret, tried again for a day.
          </>
        )}
      </p>
      <label htmlFor="webhook-url">Receiver URL (https://)</label>
      <input id="webhook-url" className="wide" value={url} onChange={(e) => setUrl(e.target.value)} required maxLength={2000} />
      <label htmlFor="webhook-account">Events of</label>
      <select id="webhook-account" value={account} onChange={(e) => setAccount(e.target.value)}>
        <option value={WHOLE}>The whole smart account</option>
        {view.accounts.map((a) => (
          <option key={a} value={a}>
            Virtual account {a}
          </option>
        ))}
      </select>
      <EventsField events={events} setEvents={setEvents} />
      <label htmlFor="webhook-description">Description</label>
      <input id="webhook-description" className="wide" value={description} onChange={(e) => setDescription(e.target.value)} maxLength={200} />
      <div className="actions">
        <button type="submit" className="primary" disabled={act.busy || events.length === 0}>
          Add Webhook
        </button>
      </div>
      <ErrorNotice error={act.error} />
      {made && <MadeWebhook made={made} />}
    </form>
  );
}

function WebhookRow({ w, busy, test, select, remove }: { w: WebhookLine; busy: boolean; test: () => void; select: () => void; remove: () => void }) {
  return (
    <tr>
      <td>
        <code>{w.url}</code>
        {w.description && <div className="help">{w.description}</div>}
      </td>
      <td>{w.account ?? 'Whole smart account'}</td>
      <td>{w.events.length === WEBHOOK_EVENT_NAMES.length ? 'all' : w.events.join(', ')}</td>
      <td>
        {w.pending} / {w.delivered} / {w.failed}
      </td>
      <td>{w.lastAttemptAt === null ? '-' : formatWhen(w.lastAttemptAt)}</td>
      <td className="actions">
        <button type="button" aria-label={`Send test to ${w.url}`} disabled={busy} onClick={test}>
          Send test
        </button>
        <button type="button" aria-label={`Deliveries of ${w.url}`} onClick={select}>
          Deliveries
        </button>
        <button type="button" aria-label={`Remove ${w.url}`} disabled={busy} onClick={remove}>
          Remove
        </button>
      </td>
    </tr>
  );
}

function WebhookTable({ hooks, select, reload }: { hooks: readonly WebhookLine[] | null; select: (id: string) => void; reload: () => Promise<void> }) {
  const act = useAction();
  const [tested, setTested] = useState<BridgeResults['authorityWebhookTest'] | null>(null);
  const test = async (id: string) => {
    setTested(await call('authorityWebhookTest', id));
    await reload();
  };
  const remove = async (id: string) => {
    await call('authorityWebhookRemove', id);
    await reload();
  };
  if (!hooks) return null;
  if (!hooks.length) return <p>No webhooks.</p>;
  return (
    <>
      <table>
        <caption>Webhooks</caption>
        <thead>
          <tr>
            <th scope="col">URL</th>
            <th scope="col">Events of</th>
            <th scope="col">Events</th>
            <th scope="col">Pending / Delivered / Failed</th>
            <th scope="col">Last Attempt</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {hooks.map((w) => (
            <WebhookRow
              key={w.id}
              w={w}
              busy={act.busy}
              test={() => void act.run(async () => test(w.id))}
              select={() => select(w.id)}
              remove={() => void act.run(async () => remove(w.id))}
            />
          ))}
        </tbody>
      </table>
      {tested && (
        <Notice kind={tested.delivered ? 'success' : 'error'} title={`Test delivery ${tested.delivery} to ${tested.url}`}>
          {tested.delivered ? `Delivered (HTTP ${tested.status}).` : `Not delivered: ${tested.error}.`}
        </Notice>
      )}
      <ErrorNotice error={act.error} />
    </>
  );
}

function Deliveries({ deliveries }: { deliveries: readonly DeliveryLine[] }) {
  return (
    <table data-testid="webhook-deliveries">
      <caption>Delivery log (newest first)</caption>
      <thead>
        <tr>
          <th scope="col">Delivery</th>
          <th scope="col">Type</th>
          <th scope="col">State</th>
          <th scope="col">Attempts</th>
          <th scope="col">Next Attempt</th>
          <th scope="col">Last Outcome</th>
        </tr>
      </thead>
      <tbody>
        {deliveries.map((d) => (
          <tr key={d.id}>
            <td>{d.id}</td>
            <td>{d.type}</td>
            <td>{d.state}</td>
            <td>{d.attempts}</td>
            <td>{d.nextAttemptAt === null ? '-' : formatWhen(d.nextAttemptAt)}</td>
            <td>{d.lastError ?? (d.lastStatus === null ? '-' : `HTTP ${d.lastStatus}`)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function WebhooksPanel({ view, refresh }: { view: Ready; refresh: Refresh }) {
  const [hooks, setHooks] = useState<readonly WebhookLine[] | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [deliveries, setDeliveries] = useState<readonly DeliveryLine[] | null>(null);
  const act = useAction();
  const load = useCallback(async () => {
    setHooks(await call('authorityWebhooks'));
    setDeliveries(selected === null ? null : await call('authorityWebhookDeliveries', selected));
  }, [selected]);
  const reload = useCallback(async () => {
    await load();
    await refresh();
  }, [load, refresh]);
  useEffect(() => void act.run(load), [act.run, load]);
  return (
    <div data-testid="webhooks">
      <NewWebhook view={view} onMade={reload} />
      <ErrorNotice error={act.error} />
      <WebhookTable hooks={hooks} select={setSelected} reload={reload} />
      {deliveries && <Deliveries deliveries={deliveries} />}
    </div>
  );
}
