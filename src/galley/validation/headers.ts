/**
 * HTTP header names and values in header operations, matches and CORS policies (RFC 7230 tokens),
 * and Envoy's `%VARIABLE%` syntax in header values (an unescaped `%` makes Envoy NACK the route).
 */

const TOKEN = /^[!#$%&'*+\-.^_`|~A-Za-z0-9]+$/;
const PROBE_HEADER = /^[-A-Za-z0-9]+$/;
const PSEUDO_HEADERS = new Set([':method', ':scheme', ':authority', ':path', ':status']);
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000A-\u001F\u007F]/;

/** A header name in a match: a token, a pseudo-header, or a `@request.auth.claims.` JWT claim. */
export function checkMatchHeaderName(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (isJwtClaimHeader(name)) return undefined;
  if (PSEUDO_HEADERS.has(name)) return undefined;
  return TOKEN.test(name) ? undefined : `header name ${name} is not a valid header name`;
}

/** Whether a match header name is a JWT claim route (gateway-only feature). */
export function isJwtClaimHeader(name: string): boolean {
  return name.startsWith('@request.auth.claims.') || name.startsWith('@request.auth.claims[');
}

export function checkCORSHeaderName(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (name === '*') return undefined;
  return TOKEN.test(name) ? undefined : `header name ${name} is not a valid header name`;
}

export function checkProbeHeaderName(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  return PROBE_HEADER.test(name) ? undefined : `header name ${name} is not a valid header name`;
}

function isInternalHeader(name: string): boolean {
  return name.startsWith(':') || name.toLowerCase() === 'host';
}

export function isAuthorityHeader(name: string): boolean {
  const n = name.toLowerCase();
  return n === ':authority' || n === 'host';
}

/** Request `set`/`add`: any name but pseudo-headers, except the authority (validated separately). */
export function checkRequestHeaderSetName(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (isInternalHeader(name) && !isAuthorityHeader(name))
    return `invalid header ${JSON.stringify(name)}: header cannot have ":" prefix`;
  return undefined;
}

/** Request `remove` and all response operations: no Host, no pseudo-headers. */
export function checkHeaderOperationName(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (name.toLowerCase() === 'host') return `invalid header ${JSON.stringify(name)}: cannot set Host header`;
  if (isInternalHeader(name)) return `invalid header ${JSON.stringify(name)}: header cannot have ":" prefix`;
  return undefined;
}

/** Scans `%VAR%` / `%VAR(args)%` expressions the way Envoy's header parser does; `%%` is a literal `%`. */
function checkEnvoyFormat(value: string): string | undefined {
  let i = 0;
  while (i < value.length) {
    if (value[i] !== '%') {
      i++;
      continue;
    }
    if (i + 1 >= value.length) return 'invalid header configuration. Un-escaped %';
    if (value[i + 1] === '%') {
      i += 2;
      continue;
    }
    // Variable: up to the closing '%', skipping a parenthesised argument list with quoted strings.
    let j = i + 1;
    let depth = 0;
    let inString = false;
    let closed = false;
    for (; j < value.length; j++) {
      const ch = value[j];
      if (inString) {
        if (ch === '\\') j++;
        else if (ch === '"') inString = false;
        continue;
      }
      if (ch === '"' && depth > 0) inString = true;
      else if (ch === '(') depth++;
      else if (ch === ')') depth = Math.max(0, depth - 1);
      else if (ch === '%' && depth === 0) {
        closed = true;
        break;
      }
    }
    if (!closed) return `invalid header configuration. Un-terminated variable expression '${value}'`;
    i = j + 1;
  }
  return undefined;
}

export function checkHeaderValue(value: string): string | undefined {
  if (CONTROL.test(value)) return `header value configuration ${value} is invalid`;
  const err = checkEnvoyFormat(value);
  return err ? `header value configuration: ${err}` : undefined;
}
