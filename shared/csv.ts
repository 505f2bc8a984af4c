/**
 * CSV (RFC 4180, CRLF, header row first) for the exports and `--csv`. A cell that a spreadsheet would run as a
 * formula (it starts with =, +, -, @, tab or CR) gets a leading apostrophe, as OWASP advises (quoting alone
 * does not stop Excel or LibreOffice); so that this can be undone exactly, a cell that starts with an
 * apostrophe gets one more. To read a cell back: drop one leading apostrophe, if there is one.
 */
const FORMULA = /^[=+\-@\t\r']/;

export function csvCell(v: string | number | null | undefined): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (typeof v === 'string' && FORMULA.test(s)) s = `'${s}`;
  return /[",\r\n']/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
