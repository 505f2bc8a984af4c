/**
 * The one Content-Security-Policy of the renderer. The main process sends it as a header with every app://
 * response; the build writes it into the page's <meta> (build/build.mjs), so the page is protected even
 * where no header is sent (the browser tests' harness). A test compares the built page with this.
 */
export const CSP_DIRECTIVES = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "manifest-src 'none'",
  "media-src 'none'",
] as const;

export const CSP = CSP_DIRECTIVES.join('; ');

/** The policy as a <meta> element may carry it: browsers ignore frame-ancestors there (the header has it). */
export const META_CSP = CSP_DIRECTIVES.filter((d) => !d.startsWith('frame-ancestors')).join('; ');
