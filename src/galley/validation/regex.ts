/**
 * Regexes in Istio config are RE2 (Envoy's `safe_regex` and gRPC's xDS matchers compile them with
 * RE2), not ECMAScript: lookaround and backreferences are rejected even though JavaScript accepts
 * them. We compile-check with real RE2 (`re2-wasm`) and word errors like istiod, which uses Go's
 * RE2-syntax `regexp` package.
 */
import { createRequire } from 'node:module';
import type { RE2 as RE2Class } from 're2-wasm';
import type { StringMatch } from '../../model/istio/common.js';

/**
 * RE2 is loaded on the first regex checked, not at start: its WebAssembly instance reserves about
 * 16 MB, which a mesh without regex matches should not pay. The package is CommonJS and loads
 * synchronously, so validation stays synchronous.
 */
let re2Class: typeof RE2Class | undefined;
function re2(): typeof RE2Class {
  re2Class ??= (createRequire(import.meta.url)('re2-wasm') as { RE2: typeof RE2Class }).RE2;
  return re2Class;
}

/** Envoy's program-size limit is approximated, as istiod does, by a length limit. */
export const MAX_REGEX_LENGTH = 1024;

const RE2_SYNTAX_URL = 'https://github.com/google/re2/wiki/Syntax';

/** RE2's error texts mapped to Go `regexp/syntax` wording, which istiod's messages carry. */
const GO_WORDING: ReadonlyArray<[string, string]> = [
  ['invalid perl operator', 'invalid or unsupported Perl syntax'],
  ['missing ]', 'missing closing ]'],
  ['missing )', 'missing closing )'],
  ['bad repetition operator', 'invalid nested repetition operator'],
  ['invalid repetition size', 'invalid repeat count'],
  ['no argument for repetition operator', 'missing argument to repetition operator'],
  ['trailing \\', 'trailing backslash at end of expression'],
  ['invalid named capture group', 'invalid named capture'],
  ['bad named capture group', 'invalid named capture'],
];

function goWording(re2Message: string): string {
  for (const [from, to] of GO_WORDING) {
    if (re2Message.startsWith(from)) {
      const arg = re2Message.slice(from.length).replace(/^:\s*/, '');
      return arg ? `${to}: \`${arg}\`` : to;
    }
  }
  return re2Message;
}

/** Why `re` does not compile as RE2, or undefined. Never throws. */
export function re2Error(re: string): string | undefined {
  try {
    const RE2 = re2();
    new RE2(re, 'u');
    return undefined;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    // re2-wasm words it `Invalid regular expression: /<escaped source>/u: <RE2 error>`.
    const at = msg.lastIndexOf('/u: ');
    return at >= 0 ? msg.slice(at + 4) : msg;
  }
}

/** Checks a regex used in a match (`where` names the field, e.g. `"uri"`), as istiod words it. */
export function checkRegex(re: string, where: string): string | undefined {
  const w = JSON.stringify(where);
  if (re.length > MAX_REGEX_LENGTH)
    return `${w}: regex is too large, max length allowed is ${MAX_REGEX_LENGTH}`;
  const err = re2Error(re);
  if (err === undefined) return undefined;
  return `${w}: error parsing regexp: ${goWording(err)}; Istio uses RE2 style regex-based match (${RE2_SYNTAX_URL})`;
}

/** Names of the StringMatch oneof members that are set. */
export function stringMatchKinds(sm: StringMatch): Array<'exact' | 'prefix' | 'regex'> {
  const kinds: Array<'exact' | 'prefix' | 'regex'> = [];
  if (sm.exact !== undefined) kinds.push('exact');
  if (sm.prefix !== undefined) kinds.push('prefix');
  if (sm.regex !== undefined) kinds.push('regex');
  return kinds;
}

/** Only a regex match is checked: it must be non-empty RE2 (used for `uri`, which allows an empty prefix). */
export function checkStringMatchRegex(sm: StringMatch | undefined, where: string): string | undefined {
  if (!sm || sm.regex === undefined) return undefined;
  if (sm.regex === '') return `${JSON.stringify(where)}: regex string match should not be empty`;
  return checkRegex(sm.regex, where);
}

/** A prefix must be non-empty; a regex must be non-empty RE2 (scheme, method, authority, headers...). */
export function checkStringMatch(sm: StringMatch | undefined, where: string): string | undefined {
  if (!sm) return undefined;
  if (sm.prefix !== undefined && sm.prefix === '') {
    return `${JSON.stringify(where)}: prefix string match should not be empty`;
  }
  return checkStringMatchRegex(sm, where);
}
