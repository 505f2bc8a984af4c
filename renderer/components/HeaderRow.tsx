/** A table's header row: one column header per name, and (`actions`) a last column named for screen readers only. */
export function HeaderRow({ names, actions = false }: { names: readonly string[]; actions?: boolean }) {
  return (
    <thead>
      <tr>
        {names.map((h) => (
          <th key={h} scope="col">
            {h}
          </th>
        ))}
        {actions && (
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        )}
      </tr>
    </thead>
  );
}
