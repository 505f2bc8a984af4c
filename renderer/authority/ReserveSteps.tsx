/** The reservation wizard's steps that only show and collect (ReserveWizard.tsx holds the state). */
import type { RequestInspection } from '../../shared/bridge.ts';
import { ErrorNotice } from '../components/Notice.tsx';
import type { useAction } from '../components/useAction.ts';
import { CountInput } from '../components/Wizard.tsx';

interface LicensesProps {
  readonly inspection: RequestInspection;
  readonly account: string;
  readonly counts: Readonly<Record<string, string>>;
  readonly setCounts: (counts: Record<string, string>) => void;
  readonly problemOf: (short: string) => string | null;
}

interface LicensesStepProps extends LicensesProps {
  readonly accounts: readonly string[];
  readonly setAccount: (account: string) => void;
  readonly ok: boolean;
  readonly back: () => void;
  readonly next: () => void;
}

interface ReviewProps {
  readonly inspection: RequestInspection;
  readonly account: string;
  readonly chosen: Readonly<Record<string, number>>;
  readonly act: ReturnType<typeof useAction>;
  readonly back: () => void;
  readonly generate: () => void;
}

/** Who asks: the product instance a request code names. */
function RequestFacts({ inspection }: { inspection: RequestInspection }) {
  return (
    <dl className="facts">
      <div>
        <dt>Product type</dt>
        <dd>{inspection.productType}</dd>
      </div>
      <div>
        <dt>UDI PID</dt>
        <dd>{inspection.product}</dd>
      </div>
      <div>
        <dt>UDI serial number</dt>
        <dd>{inspection.sn}</dd>
      </div>
      <div>
        <dt>UDI</dt>
        <dd>
          <code>{inspection.udi}</code>
        </dd>
      </div>
      {inspection.nodes.length > 0 && (
        <div>
          <dt>Cluster</dt>
          <dd>Publisher, with the subscribers {inspection.nodes.join(', ')}: one reservation for the whole cluster</dd>
        </div>
      )}
    </dl>
  );
}

/** Step 2's table: each license of the product, what the account has free, and the count to reserve (checked as typed). */
function LicensesTable({ inspection, account, counts, setCounts, problemOf }: LicensesProps) {
  return (
    <table>
      <caption>Licenses to reserve (only from surplus)</caption>
      <thead>
        <tr>
          <th scope="col">License</th>
          <th scope="col">Level</th>
          <th scope="col">Available</th>
          <th scope="col">Reserve</th>
        </tr>
      </thead>
      <tbody>
        {inspection.licenses.map((l) => (
          <tr key={l.short}>
            <td>
              <label htmlFor={`wiz-${l.short}`}>{l.displayName}</label>
            </td>
            <td>{l.level ?? '-'}</td>
            <td className="num">{l.available[account] ?? 0}</td>
            <td>
              <CountInput
                id={`wiz-${l.short}`}
                value={counts[l.short] ?? '0'}
                problem={problemOf(l.short)}
                onChange={(v) => setCounts({ ...counts, [l.short]: v })}
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Step 2: who asks, from which virtual account, and how many of each license. */
export function LicensesStep({ accounts, setAccount, ok, back, next, ...table }: LicensesStepProps) {
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        next();
      }}
    >
      <RequestFacts inspection={table.inspection} />
      <label htmlFor="wiz-account">Virtual account</label>
      <select id="wiz-account" value={table.account} onChange={(e) => setAccount(e.target.value)}>
        {accounts.map((a) => (
          <option key={a}>{a}</option>
        ))}
      </select>
      <LicensesTable {...table} />
      <div className="actions">
        <button type="button" onClick={back}>
          Back
        </button>
        <button type="submit" className="primary" disabled={!ok}>
          Next
        </button>
      </div>
    </form>
  );
}

/** Step 3: what will be reserved, for which device, from which account; then the authorization code is made. */
export function Review({ inspection, account, chosen, act, back, generate }: ReviewProps) {
  return (
    <div>
      <p>
        Reserve for <code>{inspection.udi}</code> from virtual account <strong>{account}</strong>:
      </p>
      <ul>
        {Object.entries(chosen).map(([k, v]) => (
          <li key={k}>
            {v} × {inspection.licenses.find((l) => l.short === k)?.displayName ?? k}
          </li>
        ))}
      </ul>
      <ErrorNotice error={act.error} />
      <div className="actions">
        <button type="button" onClick={back}>
          Back
        </button>
        <button type="button" className="primary" disabled={act.busy} onClick={generate}>
          Generate Authorization Code
        </button>
      </div>
    </div>
  );
}
