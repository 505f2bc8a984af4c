/**
 * First steps, each done or not at a glance and the next one obvious (both workspaces use it): a step is data
 * (its title, whether it is done, what to do or what was done, and the control that takes you there).
 */
export interface ChecklistStep {
  readonly title: string;
  readonly done: boolean;
  /** What to do (not done) or what was done. */
  readonly text: string;
  /** A way to where the step is done, offered on the next step only. */
  readonly go?: { readonly label: string; readonly run: () => void };
}

/** The list, or nothing once every step is done. */
export function Checklist({ id, title, steps }: { id: string; title: string; steps: readonly ChecklistStep[] }) {
  const next = steps.findIndex((st) => !st.done);
  if (next < 0) return null;
  return (
    <section className="card checklist" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <ol>
        {steps.map((st, i) => (
          <li key={st.title} className={st.done ? 'done' : i === next ? 'next' : undefined}>
            <strong>
              {st.done ? '✓ ' : ''}
              {st.title}
            </strong>
            {st.done && <span className="visually-hidden"> (done)</span>}
            {i === next && <span className="visually-hidden"> (next)</span>}
            <span> {st.text}</span>
            {i === next && st.go && (
              <>
                {' '}
                <button type="button" className="link" onClick={st.go.run}>
                  {st.go.label}
                </button>
              </>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
