/** A license's status as text and colour: one place for which status reads as bad, good or neither. */
const TONE: Readonly<Record<string, 'bad' | 'ok'>> = { 'Not Authorized': 'bad', Authorized: 'ok' };

export function StatusBadge({ status }: { status: string }) {
  return <span className={`status-badge status-${TONE[status] ?? 'neutral'}`}>{status}</span>;
}
