/** Why a reservation command is not available now, and what to do instead (nothing when it is available). */
import type { InstanceView } from '../../shared/bridge.ts';
import type { ReservationCommand } from '../../shared/instance/command-table.ts';
import { CommandText } from '../components/CommandText.tsx';

type Availability = Extract<InstanceView, { exists: true }>['availability'][ReservationCommand];

export function Unavailable({ a }: { a: Availability }) {
  if (a.allowed) return null;
  return (
    <p className="unavailable">
      <strong>Not available now:</strong> <CommandText text={a.why} /> <CommandText text={a.hint} />
    </p>
  );
}
