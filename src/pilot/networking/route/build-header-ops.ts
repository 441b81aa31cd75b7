/**
 * VirtualService `headers` operations → Envoy header manipulation fields (Istio
 * translateHeadersOperations): `set` overwrites (OVERWRITE_IF_EXISTS_OR_ADD), `add` appends
 * (APPEND_IF_EXISTS_OR_ADD), `remove` lists names. Sorted by header name for deterministic bytes.
 * Pure.
 */
import type { HeaderOperations, Headers } from '../../../model/istio/index.js';
import type { ProtoObject } from '../proto-values.js';

function sorted(record: Readonly<Record<string, string>> | undefined): [string, string][] {
  return Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function toAdd(ops: HeaderOperations | undefined): ProtoObject[] {
  return [
    ...sorted(ops?.set).map(([key, value]) => ({
      header: { key, value },
      append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
    })),
    ...sorted(ops?.add).map(([key, value]) => ({
      header: { key, value },
      append_action: 'APPEND_IF_EXISTS_OR_ADD',
    })),
  ];
}

/**
 * Sets `request_headers_to_add`, `request_headers_to_remove`, `response_headers_to_add` and
 * `response_headers_to_remove` on `target` (a Route or a weighted ClusterWeight), appending to any
 * already there.
 */
export function applyHeaderOperations(target: ProtoObject, headers: Headers | undefined): void {
  if (!headers) return;
  const append = (field: string, values: unknown[]) => {
    if (values.length === 0) return;
    target[field] = [...((target[field] as unknown[] | undefined) ?? []), ...values];
  };
  append('request_headers_to_add', toAdd(headers.request));
  append('request_headers_to_remove', [...(headers.request?.remove ?? [])]);
  append('response_headers_to_add', toAdd(headers.response));
  append('response_headers_to_remove', [...(headers.response?.remove ?? [])]);
}
