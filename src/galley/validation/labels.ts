/**
 * Kubernetes naming rules as istiod applies them (`pkg/config/labels`): DNS-1123 labels and
 * subdomains, label keys (`[prefix/]name`) and values, and workload selectors.
 */
import { type Issues, at, sortedEntries } from './issues.js';

const DNS1123_LABEL = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
/** A wildcard first label: `*`, or a DNS-1123 label optionally prefixed by `*` or `*-`. */
const WILDCARD_LABEL = /^(?:\*|(?:\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;
const QUALIFIED_NAME = /^(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(?:(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;

/** RFC 1123 label (istiod accepts upper case here, as its regex does). At most 63 characters. */
export function isDNS1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

/** Like {@link isDNS1123Label} but also `*`, `*foo` and `*-foo` (first label of a wildcard host). */
export function isWildcardDNS1123Label(value: string): boolean {
  return value.length <= 63 && WILDCARD_LABEL.test(value);
}

/** Kubernetes object names: lower-case RFC 1123 subdomain, at most 253 characters. */
export function isDNS1123Subdomain(value: string): boolean {
  return value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}

/** Why `key` is not a valid Kubernetes label key, or undefined. */
export function checkLabelKey(key: string): string | undefined {
  const slash = key.indexOf('/');
  let prefix = '';
  let name = key;
  if (slash >= 0) {
    prefix = key.slice(0, slash);
    name = key.slice(slash + 1);
    const labels = prefix.split('.');
    if (prefix === '' || !labels.every((l) => DNS1123_LABEL.test(l)))
      return `invalid tag key: ${JSON.stringify(key)}`;
    if (prefix.length > 253) return `invalid tag key: ${JSON.stringify(key)} (DNS prefix is too long)`;
  }
  if (!QUALIFIED_NAME.test(name)) return `invalid tag key: ${JSON.stringify(key)}`;
  if (name.length > 63) return `invalid tag key: ${JSON.stringify(key)} (name is too long)`;
  return undefined;
}

/** Why `value` is not a valid Kubernetes label value (empty is allowed), or undefined. */
export function checkLabelValue(value: string): string | undefined {
  if (value.length > 63 || !LABEL_VALUE.test(value)) return `invalid tag value: ${JSON.stringify(value)}`;
  return undefined;
}

/** Validates a label map (subset labels, source labels, endpoint labels), as `labels.Instance.Validate`. */
export function validateLabels(
  labels: Readonly<Record<string, string>> | undefined,
  path: string,
  issues: Issues,
): void {
  for (const [k, v] of sortedEntries(labels)) {
    issues.check(at(path, k), checkLabelKey(k));
    issues.check(at(path, k), checkLabelValue(v));
  }
}

/**
 * Selector labels: no empty key and no `*` anywhere (istiod: "wildcard is not supported in
 * selector"). Returns true when the selector has no labels at all, which istiod only warns about.
 */
export function validateSelectorLabels(
  labels: Readonly<Record<string, string>> | undefined,
  path: string,
  issues: Issues,
): boolean {
  const entries = sortedEntries(labels);
  for (const [k, v] of entries) {
    if (k === '')
      issues.error(path, `empty key is not supported in selector: ${JSON.stringify(`${k}=${v}`)}`);
    if (k.includes('*') || v.includes('*')) {
      issues.error(at(path, k), `wildcard is not supported in selector: ${JSON.stringify(`${k}=${v}`)}`);
    }
  }
  return entries.length === 0;
}
