/**
 * A connected proxy as described by its xDS `Node`: Istio's node id convention
 * `TYPE~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local` plus metadata. Pure.
 */

export type ProxyType = 'sidecar' | 'router';

export interface Proxy {
  readonly id: string;
  readonly type: ProxyType;
  readonly ipAddresses: readonly string[];
  readonly podName: string;
  readonly namespace: string;
  readonly dnsDomain: string;
  readonly labels: Readonly<Record<string, string>>;
  /** `grpc` for proxyless gRPC clients (metadata GENERATOR), else undefined. */
  readonly generator?: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  /** `region/zone/subzone` from `node.locality`. */
  readonly locality: { readonly region: string; readonly zone: string; readonly subzone: string };
}

export interface NodeLike {
  id?: string;
  cluster?: string;
  metadata?: Record<string, unknown> | null;
  locality?: { region?: string; zone?: string; sub_zone?: string } | null;
}

export type ParseProxyResult = { ok: true; proxy: Proxy } | { ok: false; error: string };

function stringRecord(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object') return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * Parses a node. Proxyless gRPC clients often use free-form ids; they are accepted when their
 * metadata says `GENERATOR: grpc`, taking the namespace from metadata `NAMESPACE` or `default`.
 */
export function parseProxy(node: NodeLike | undefined | null): ParseProxyResult {
  if (!node?.id) return { ok: false, error: 'node.id is required on the first request of a stream' };
  const metadata = node.metadata ?? {};
  const generator = typeof metadata['GENERATOR'] === 'string' ? (metadata['GENERATOR'] as string) : undefined;
  const metaNamespace = typeof metadata['NAMESPACE'] === 'string' ? (metadata['NAMESPACE'] as string) : '';
  const labels = stringRecord(metadata['LABELS']);
  const parts = node.id.split('~');
  let type: ProxyType = 'sidecar';
  let ips: string[] = [];
  let podName = '';
  let namespace = metaNamespace;
  let dnsDomain = '';
  if (parts.length === 4) {
    if (parts[0] !== 'sidecar' && parts[0] !== 'router') {
      return { ok: false, error: `node.id ${JSON.stringify(node.id)}: type must be sidecar or router` };
    }
    type = parts[0];
    ips = parts[1]!.split(',').filter(Boolean);
    const pod = parts[2]!;
    const dot = pod.lastIndexOf('.');
    podName = dot >= 0 ? pod.slice(0, dot) : pod;
    if (!namespace) namespace = dot >= 0 ? pod.slice(dot + 1) : '';
    dnsDomain = parts[3]!;
  } else if (generator !== 'grpc') {
    return {
      ok: false,
      error: `node.id ${JSON.stringify(node.id)}: expected TYPE~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local`,
    };
  }
  if (!namespace) namespace = 'default';
  if (!dnsDomain) dnsDomain = `${namespace}.svc.cluster.local`;
  const loc = node.locality ?? {};
  return {
    ok: true,
    proxy: {
      id: node.id,
      type,
      ipAddresses: ips,
      podName,
      namespace,
      dnsDomain,
      labels,
      generator,
      metadata,
      locality: { region: loc.region ?? '', zone: loc.zone ?? '', subzone: loc.sub_zone ?? '' },
    },
  };
}

export function isProxyless(proxy: Proxy): boolean {
  return proxy.generator === 'grpc';
}
