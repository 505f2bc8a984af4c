import { controlFor } from './controls.ts';

/**
 * Text from the engine, where `backticks` mark a command of the CLI. The app never tells the user to type a
 * command: a command the app offers as a control is named by that control (and where it is); one the app
 * does not offer is named as the command line's.
 */
export function CommandText({ text }: { text: string }) {
  return (
    <>
      {text.split('`').map((part, i) => {
        if (i % 2 === 0) return part;
        const control = controlFor(part);
        return control ? (
          <strong key={i} className="control-name">
            {control}
          </strong>
        ) : (
          <span key={i}>
            the command line’s <code>{part}</code>
          </span>
        );
      })}
    </>
  );
}
