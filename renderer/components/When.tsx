import { formatWhen } from './format.ts';

/** A moment in the operator's local time and zone, the exact UTC instant kept in the markup and its tooltip. */
export function When({ ms }: { ms: number }) {
  const iso = new Date(ms).toISOString();
  return (
    <time dateTime={iso} title={iso}>
      {formatWhen(ms)}
    </time>
  );
}
