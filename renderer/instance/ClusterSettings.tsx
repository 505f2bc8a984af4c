/**
 * The cluster in the product instance's Settings (`slr cluster add-node|join|remove-node|leave`): standing alone,
 * join a publisher with its code, or add a node and become its publisher; a publisher's subscribers, each with
 * Remove; a subscriber's Leave (and, when the publisher cannot be told, leave all the same). The publisher's
 * service for its subscribers is the command line's `slr cluster serve`, run where subscribers reach it.
 */
import { useState } from 'react';
import type { InstanceView } from '../../shared/bridge.ts';
import { call } from '../bridge.ts';
import { ErrorNotice, Notice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import { formatWhen } from '../components/format.ts';

type Existing = Extract<InstanceView, { exists: true }>;
type Action = Parameters<typeof call<'instanceCluster'>>[1];

export function ClusterSettings({ view, refresh }: { view: Existing; refresh: () => Promise<unknown> }) {
  const act = useAction();
  const [done, setDone] = useState<{ message: string; joinCode: string | null } | null>(null);
  const run = (input: Action) =>
    act.run(async () => {
      const r = await call('instanceCluster', input);
      await refresh();
      setDone(r);
    });
  const c = view.cluster;
  return (
    <section aria-labelledby="cluster-title" data-testid="cluster-settings">
      <h3 id="cluster-title">Cluster</h3>
      {c?.role === 'subscriber' ? (
        <Subscriber view={view} run={run} busy={act.busy} failed={act.error !== null} />
      ) : (
        <>
          {c?.role === 'publisher' && <Nodes nodes={c.nodes} run={run} busy={act.busy} />}
          {!c && <Join run={run} busy={act.busy} />}
          <AddNode run={run} busy={act.busy} publisher={c?.role === 'publisher'} />
        </>
      )}
      {done && (
        <Notice kind="success" title={done.message}>
          {done.joinCode && (
            <>
              Carry this join code to the subscriber (once, within 24 hours):{' '}
              <output className="code" data-testid="join-code">
                {done.joinCode}
              </output>
            </>
          )}
        </Notice>
      )}
      <ErrorNotice error={act.error} />
    </section>
  );
}

type Run = (input: Action) => Promise<unknown>;

function Subscriber({ view, run, busy, failed }: { view: Existing; run: Run; busy: boolean; failed: boolean }) {
  const c = view.cluster!;
  if (c.role !== 'subscriber') return null;
  return (
    <>
      <p>
        Subscriber “{c.name}” of {c.publisherUdi} at {c.publisher}; last contact {formatWhen(c.lastContact)}.
      </p>
      <div className="actions">
        <button type="button" disabled={busy} onClick={() => void run({ op: 'leave', force: false })}>
          Leave the cluster
        </button>
        {failed && (
          <button type="button" disabled={busy} onClick={() => void run({ op: 'leave', force: true })}>
            Leave without telling the publisher
          </button>
        )}
      </div>
    </>
  );
}

function Nodes({ nodes, run, busy }: { nodes: readonly { name: string; lastContact: number }[]; run: Run; busy: boolean }) {
  return (
    <>
      <p>
        Publisher of {nodes.length} subscriber{nodes.length === 1 ? '' : 's'}: the usage shown is the whole cluster’s. Subscribers reach this computer through
        the command line’s <code>slr cluster serve --listen HOST:PORT</code>, run here.
      </p>
      <ul>
        {nodes.map((n) => (
          <li key={n.name}>
            {n.name}, last contact {formatWhen(n.lastContact)}{' '}
            <button type="button" disabled={busy} onClick={() => void run({ op: 'remove-node', name: n.name })} aria-label={`Remove node ${n.name}`}>
              Remove
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}

function Join({ run, busy }: { run: Run; busy: boolean }) {
  const [publisher, setPublisher] = useState('http://');
  const [code, setCode] = useState('');
  return (
    <form onSubmit={(e) => (e.preventDefault(), void run({ op: 'join', publisher: publisher.trim(), code: code.trim() }))}>
      <p>Standalone. Join a cluster as a subscriber with the join code its publisher made:</p>
      <label htmlFor="cluster-publisher">Publisher’s cluster service</label>
      <input id="cluster-publisher" className="wide" value={publisher} onChange={(e) => setPublisher(e.target.value)} maxLength={500} required />
      <label htmlFor="cluster-code">Join code</label>
      <input id="cluster-code" className="wide mono" value={code} onChange={(e) => setCode(e.target.value)} maxLength={200} required />
      <div className="actions">
        <button type="submit" disabled={busy || !code.trim() || publisher.trim().length < 8}>
          Join cluster
        </button>
      </div>
    </form>
  );
}

function AddNode({ run, busy, publisher }: { run: Run; busy: boolean; publisher: boolean }) {
  const [name, setName] = useState('');
  return (
    <form onSubmit={(e) => (e.preventDefault(), void run({ op: 'add-node', name: name.trim() }))}>
      {!publisher && <p>Or make this the cluster’s publisher: add a subscriber’s node.</p>}
      <label htmlFor="cluster-node">New node’s name (lower-case letters, digits, “-”)</label>
      <input id="cluster-node" value={name} onChange={(e) => setName(e.target.value)} maxLength={32} required pattern="[a-z0-9][a-z0-9-]{0,31}" />
      <div className="actions">
        <button type="submit" disabled={busy || !name.trim()}>
          Add node
        </button>
      </div>
    </form>
  );
}
