/**
 * Checks of Envoy-style golden output that protobuf encoding alone would not catch:
 * - every field of every generated plain message exists in Envoy's protos (protobufjs silently
 *   drops unknown fields, so a misspelt field would vanish from the wire), every enum value is
 *   defined, every `@type` resolves;
 * - cross-resource rules Envoy applies at load time (go-control-plane's PGV cannot express
 *   them): unique names, one listener per address, unique filter-chain matches, the router
 *   filter last, RDS over ADS, unique domains per route config, weighted totals above zero,
 *   every referenced cluster present, every EDS cluster answered.
 */
import protobuf from 'protobufjs';
import { stableStringify } from '../../src/model/push-context/stable-json.js';
import { envoyRoot, messageType } from '../../src/xds/proto.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE } from '../../src/xds/type-urls.js';
import type { Decoded } from './pilot-harness.js';

/** Extension types sent as empty `type_url` Anys (their protos are not loaded). */
const EMPTY_ANY_TYPES = new Set([
  'type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
  'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
  'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
]);

function checkValue(field: protobuf.Field, value: unknown, path: string, out: string[]): void {
  const rt = field.resolve().resolvedType;
  if (rt instanceof protobuf.Type) {
    unknownFields(rt, value, path, out);
  } else if (rt instanceof protobuf.Enum) {
    if (typeof value === 'string' && !(value in rt.values)) out.push(`${path}: unknown enum value ${value}`);
  }
}

/** Paths of fields in `obj` that `type` does not define (recursing into messages and Anys). */
export function unknownFields(type: protobuf.Type, obj: unknown, path: string, out: string[] = []): string[] {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj) || obj instanceof Uint8Array) return out;
  const record = obj as Record<string, unknown>;
  if (type.fullName === '.google.protobuf.Any') {
    if ('@type' in record) {
      const url = String(record['@type']);
      let inner: protobuf.Type | undefined;
      try {
        inner = envoyRoot().lookupType(url.slice(url.lastIndexOf('/') + 1));
      } catch {
        out.push(`${path}: unresolvable @type ${url}`);
        return out;
      }
      const { ['@type']: _t, ...rest } = record;
      return unknownFields(inner, rest, path, out);
    }
    if (!EMPTY_ANY_TYPES.has(String(record['type_url']))) out.push(`${path}: Any without a known type`);
    return out;
  }
  for (const [key, value] of Object.entries(record)) {
    const field = type.fields[key];
    const p = `${path}.${key}`;
    if (!field) {
      out.push(`${p}: no such field in ${type.fullName}`);
      continue;
    }
    if (field.map) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>))
        checkValue(field, v, `${p}[${k}]`, out);
    } else if (field.repeated) {
      (value as unknown[]).forEach((v, i) => checkValue(field, v, `${p}[${i}]`, out));
    } else {
      checkValue(field, value, p, out);
    }
  }
  return out;
}

export function unknownFieldErrors(
  typeUrl: string,
  name: string,
  message: Record<string, unknown>,
): string[] {
  return unknownFields(messageType(typeUrl), message, `${name}`);
}

const HCM = 'HttpConnectionManager';

function hcms(listener: Decoded): Decoded[] {
  const out: Decoded[] = [];
  for (const chain of listener['filter_chains'] ?? []) {
    for (const f of chain['filters'] ?? []) {
      if (String(f['typed_config']?.['@type'] ?? '').endsWith(HCM)) out.push(f['typed_config']);
    }
  }
  return out;
}

function tcpClusters(listener: Decoded): string[] {
  const out: string[] = [];
  for (const chain of listener['filter_chains'] ?? []) {
    for (const f of chain['filters'] ?? []) {
      const tc = f['typed_config'] ?? {};
      if (!String(tc['@type'] ?? '').endsWith('TcpProxy')) continue;
      if (tc['cluster']) out.push(tc['cluster']);
      for (const c of tc['weighted_clusters']?.['clusters'] ?? []) out.push(c.name);
    }
  }
  return out;
}

function dupes(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => (seen.has(v) ? true : (seen.add(v), false)));
}

function routeClusters(vh: Decoded, out: string[], errors: string[], where: string): void {
  for (const r of vh['routes'] ?? []) {
    const action = r['route'];
    if (!action) continue;
    if (action['cluster']) out.push(action['cluster']);
    const weighted = action['weighted_clusters']?.['clusters'] ?? [];
    if (action['weighted_clusters']) {
      const total = weighted.reduce((s: number, c: Decoded) => s + Number(c['weight'] ?? 0), 0);
      if (total <= 0) errors.push(`${where}: weighted clusters total 0`);
    }
    for (const c of weighted) out.push(c['name']);
    for (const m of action['request_mirror_policies'] ?? []) out.push(m['cluster']);
  }
}

/** Cross-resource lint of one proxy's decoded LDS/RDS/CDS/EDS. */
export function envoyLintErrors(decoded: ReadonlyMap<string, readonly Decoded[]>): string[] {
  const errors: string[] = [];
  const listeners = decoded.get(LISTENER_TYPE) ?? [];
  const routes = decoded.get(ROUTE_TYPE) ?? [];
  const clusters = decoded.get(CLUSTER_TYPE) ?? [];
  const endpoints = decoded.get(ENDPOINT_TYPE) ?? [];
  for (const d of dupes(listeners.map((l) => l['name']))) errors.push(`duplicate listener ${d}`);
  const addresses = listeners.map((l) => stableStringify(l['address'] ?? {}));
  for (const d of dupes(addresses)) errors.push(`two listeners on ${d}`);
  for (const d of dupes(clusters.map((c) => c['name']))) errors.push(`duplicate cluster ${d}`);
  const clusterNames = new Set(clusters.map((c) => c['name'] as string));
  const referenced: string[] = [];
  for (const l of listeners) {
    const matches = (l['filter_chains'] ?? []).map((c: Decoded) =>
      stableStringify(c['filter_chain_match'] ?? {}),
    );
    for (const d of dupes(matches)) errors.push(`listener ${l['name']}: duplicate filter chain match ${d}`);
    if ((l['filter_chains'] ?? []).length === 0) errors.push(`listener ${l['name']}: no filter chains`);
    for (const hcm of hcms(l)) {
      const filters = hcm['http_filters'] ?? [];
      if (filters[filters.length - 1]?.['name'] !== 'envoy.filters.http.router') {
        errors.push(`listener ${l['name']}: router filter not last`);
      }
      if (hcm['rds'] && !hcm['rds']['config_source']?.['ads'])
        errors.push(`listener ${l['name']}: RDS not over ADS`);
      if (hcm['route_config']) {
        for (const vh of hcm['route_config']['virtual_hosts'] ?? [])
          routeClusters(vh, referenced, errors, l['name']);
      }
    }
    referenced.push(...tcpClusters(l));
  }
  for (const rc of routes) {
    const domains = (rc['virtual_hosts'] ?? []).flatMap((vh: Decoded) => vh['domains'] ?? []);
    for (const d of dupes(domains.map((x: string) => x.toLowerCase())))
      errors.push(`route ${rc['name']}: duplicate domain ${d}`);
    for (const vh of rc['virtual_hosts'] ?? []) {
      if ((vh['domains'] ?? []).length === 0)
        errors.push(`route ${rc['name']}: virtual host ${vh['name']} without domains`);
      routeClusters(vh, referenced, errors, `route ${rc['name']}`);
    }
  }
  for (const c of new Set(referenced)) if (!clusterNames.has(c)) errors.push(`missing cluster ${c}`);
  const answered = new Set(endpoints.map((e) => e['cluster_name'] as string));
  for (const c of clusters) {
    if (c['type'] !== 'EDS') continue;
    const name = c['eds_cluster_config']?.['service_name'] || c['name'];
    if (!answered.has(name)) errors.push(`EDS cluster ${c['name']} has no ClusterLoadAssignment`);
  }
  return errors;
}
