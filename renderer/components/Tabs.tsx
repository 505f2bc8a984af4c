import { useRef, type KeyboardEvent } from 'react';

export interface TabItem<T extends string> {
  readonly value: T;
  readonly label: string;
}

/** WAI-ARIA tabs: arrow keys move between tabs, Home/End jump, the selected tab is the one in the tab order. */
export function Tabs<T extends string>({
  label,
  items,
  value,
  onChange,
  idPrefix,
}: {
  label: string;
  items: readonly TabItem<T>[];
  value: T;
  onChange: (v: T) => void;
  idPrefix: string;
}) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const move = (e: KeyboardEvent, index: number) => {
    const last = items.length - 1;
    const next =
      e.key === 'ArrowRight'
        ? index === last
          ? 0
          : index + 1
        : e.key === 'ArrowLeft'
          ? index === 0
            ? last
            : index - 1
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? last
              : -1;
    if (next < 0) return;
    e.preventDefault();
    onChange(items[next]!.value);
    refs.current[next]?.focus();
  };
  return (
    <div role="tablist" aria-label={label} className="tabs">
      {items.map((item, i) => (
        <button
          key={item.value}
          ref={(el) => {
            refs.current[i] = el;
          }}
          id={`${idPrefix}-tab-${item.value}`}
          role="tab"
          type="button"
          aria-selected={item.value === value}
          aria-controls={`${idPrefix}-panel`}
          tabIndex={item.value === value ? 0 : -1}
          onClick={() => void onChange(item.value)}
          onKeyDown={(e) => move(e, i)}
        >
          {item.label}
        </button>
      ))}
    </div>
  );
}
