/**
 * A button that opens a menu, as the WAI-ARIA menu button pattern has it: Enter, Space or ArrowDown open it
 * with the first item focused (ArrowUp: the last), ArrowDown/ArrowUp/Home/End move, Enter or Space act, Escape
 * closes it and gives the focus back to the button, Tab or a click elsewhere closes it. An item acts only
 * when chosen: moving through the menu never fires one.
 */
import { useEffect, useId, useRef, useState, type KeyboardEvent, type RefObject } from 'react';

export interface MenuItem {
  readonly key: string;
  readonly label: string;
  /** Runs when chosen, with the menu's button (to give the focus back to later). */
  readonly act: (button: HTMLButtonElement) => void;
}

/** What a key does in the open menu: move to an item, choose the active one, close it (and where the focus goes), or nothing. */
export function menuKey(key: string, active: number, count: number): { move: number } | { choose: true } | { close: 'button' | 'away' } | null {
  const moves: Record<string, number> = { ArrowDown: (active + 1) % count, ArrowUp: (active - 1 + count) % count, Home: 0, End: count - 1 };
  if (key in moves) return { move: moves[key]! };
  if (key === 'Enter' || key === ' ') return { choose: true };
  if (key === 'Escape') return { close: 'button' };
  if (key === 'Tab') return { close: 'away' };
  return null;
}

function Menu(p: {
  id: string;
  items: readonly MenuItem[];
  menu: RefObject<HTMLUListElement | null>;
  onKeyDown: (e: KeyboardEvent) => void;
  choose: (i: number) => void;
}) {
  return (
    <ul ref={p.menu} role="menu" id={`${p.id}-menu`} aria-labelledby={`${p.id}-button`} onKeyDown={p.onKeyDown}>
      {p.items.map((item, i) => (
        <li key={item.key} role="menuitem" tabIndex={-1} onClick={() => p.choose(i)}>
          {item.label}
        </li>
      ))}
    </ul>
  );
}

export function MenuButton({ label, name, items }: { label: string; name: string; items: readonly MenuItem[] }) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLUListElement>(null);
  useEffect(() => {
    if (open) menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]')[active]?.focus();
  }, [open, active]);
  const show = (at: number) => {
    setActive(at);
    setOpen(true);
  };
  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) button.current?.focus();
  };
  const choose = (i: number) => {
    close(false);
    items[i]!.act(button.current!);
  };
  const onButtonKey = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    show(e.key === 'ArrowDown' ? 0 : items.length - 1);
  };
  const onMenuKey = (e: KeyboardEvent) => {
    const what = menuKey(e.key, active, items.length);
    if (!what) return;
    if ('close' in what && what.close === 'away') return close(false); // Tab goes on to the next control.
    e.preventDefault();
    e.stopPropagation();
    if ('move' in what) setActive(what.move);
    else if ('choose' in what) choose(active);
    else close(true);
  };
  return (
    <div
      className="menu-button"
      onBlur={(e) => {
        if (open && !e.currentTarget.contains(e.relatedTarget)) setOpen(false);
      }}
    >
      <button
        ref={button}
        type="button"
        id={`${id}-button`}
        aria-label={name}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? `${id}-menu` : undefined}
        onClick={() => (open ? close(false) : show(0))}
        onKeyDown={onButtonKey}
      >
        {label} <span aria-hidden="true">▾</span>
      </button>
      {open && <Menu id={id} items={items} menu={menu} onKeyDown={onMenuKey} choose={choose} />}
    </div>
  );
}
