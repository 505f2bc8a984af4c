/** Which engine a `--database` names, and how a message shows it (without its password). */
export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//i.test(url);

/** The database as a message may show it: a URL without its password. */
export function describeDatabase(url: string): string {
  if (!isPostgresUrl(url)) return url;
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(the URL given)';
  }
}
