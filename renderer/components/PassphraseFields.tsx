/**
 * A new passphrase typed twice, checked as typed (at least 12 characters, the two the same): what encrypts
 * License Central's signing keys. `value` is the passphrase once both fields agree, else null.
 */
import { useEffect, useId, useState } from 'react';

export const PASSPHRASE_MIN = 12;

export function passphraseProblem(first: string, second: string): string | null {
  if ([...first].length < PASSPHRASE_MIN) return `At least ${PASSPHRASE_MIN} characters (${[...first].length} so far); several words work well.`;
  if (second && first !== second) return 'The two do not match.';
  if (!second) return 'Type it again to be sure of it.';
  return null;
}

export function PassphraseFields({ onChange }: { onChange: (value: string | null) => void }) {
  const id = useId();
  const [first, setFirst] = useState('');
  const [second, setSecond] = useState('');
  const problem = passphraseProblem(first, second);
  useEffect(() => onChange(problem ? null : first), [first, problem, onChange]);
  return (
    <div className="passphrase-fields">
      <label htmlFor={`${id}-1`}>Passphrase</label>
      <input
        id={`${id}-1`}
        type="password"
        autoComplete="new-password"
        value={first}
        onChange={(e) => setFirst(e.target.value)}
        aria-describedby={`${id}-help`}
      />
      <label htmlFor={`${id}-2`}>Passphrase again</label>
      <input
        id={`${id}-2`}
        type="password"
        autoComplete="new-password"
        value={second}
        onChange={(e) => setSecond(e.target.value)}
        aria-describedby={`${id}-help`}
      />
      <p id={`${id}-help`} className={first && problem && problem !== 'Type it again to be sure of it.' ? 'field-error' : 'help'} aria-live="polite">
        {first
          ? (problem ?? 'The two match.')
          : `Asked once each time the app starts, kept in memory only, never written. There is no way back without it: keep it safe.`}
      </p>
    </div>
  );
}
