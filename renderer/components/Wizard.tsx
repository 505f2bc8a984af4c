/** The pieces both reservation wizards share: the numbered step list and a count field checked as typed. */

export function WizardSteps({ steps, step }: { steps: readonly string[]; step: number }) {
  return (
    <ol className="wizard-steps">
      {steps.map((t, i) => (
        <li key={t} aria-current={step === i + 1 ? 'step' : undefined} className={step > i + 1 ? 'done' : ''}>
          STEP {i + 1}: {t}
        </li>
      ))}
    </ol>
  );
}

/** A count, with what is wrong with it right under it (never a native tooltip that vanishes). */
export function CountInput({ id, value, problem, onChange }: { id: string; value: string; problem: string | null; onChange: (v: string) => void }) {
  return (
    <>
      <input
        id={id}
        className="count"
        inputMode="numeric"
        value={value}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `${id}-error` : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      {problem && (
        <p id={`${id}-error`} className="help field-error">
          {problem}
        </p>
      )}
    </>
  );
}
