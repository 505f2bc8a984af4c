/** Text from the engine, where `backticks` mark a command: shown as code. */
export function CommandText({ text }: { text: string }) {
  return <>{text.split('`').map((part, i) => (i % 2 ? <code key={i}>{part}</code> : part))}</>;
}
