/**
 * Workload identities and the rule that binds a proxy to the identity it proved (pure).
 *
 * Istio names a workload by its Kubernetes ServiceAccount, in two spellings: the SPIFFE ID in
 * the URI SAN of its mesh certificate, `spiffe://<trust-domain>/ns/<namespace>/sa/<account>`
 * (SPIFFE ID spec §2, Istio's `spiffe` package), and the username of its ServiceAccount token,
 * `system:serviceaccount:<namespace>:<account>` (Kubernetes authentication docs). istiod serves a
 * proxy on 15012 only if the namespace the proxy claims in its node is the namespace of the
 * identity it proved, so a workload cannot read another namespace's config by claiming it.
 */

/** Who a caller proved to be, and how. */
export interface WorkloadIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
  /** The trust domain of a SPIFFE ID; absent for a token (Kubernetes has none). */
  readonly trustDomain?: string;
  /** `mtls` (client certificate) or `jwt` (ServiceAccount token reviewed by Kubernetes). */
  readonly method: 'mtls' | 'jwt';
}

export type ParseResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** DNS-1123 label: what Kubernetes accepts as a namespace or ServiceAccount name segment. */
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A ServiceAccount name is a DNS-1123 subdomain. */
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** `spiffe://TD/ns/NS/sa/SA` for an identity (Istio's SPIFFE ID layout). */
export function spiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/** Reads an Istio SPIFFE ID; anything else (another path layout, a query, a port) is refused. */
export function parseSpiffeId(uri: string): ParseResult<Omit<WorkloadIdentity, 'method'>> {
  const m = /^spiffe:\/\/([^/?#]+)\/ns\/([^/?#]+)\/sa\/([^/?#]+)$/.exec(uri);
  if (!m)
    return {
      ok: false,
      error: `${JSON.stringify(uri)} is not spiffe://TRUST_DOMAIN/ns/NAMESPACE/sa/ACCOUNT`,
    };
  const [, trustDomain, namespace, serviceAccount] = m as unknown as [string, string, string, string];
  if (!/^[a-z0-9._-]+$/.test(trustDomain))
    return {
      ok: false,
      error: `${JSON.stringify(uri)}: trust domain ${JSON.stringify(trustDomain)} is invalid`,
    };
  if (!LABEL.test(namespace))
    return { ok: false, error: `${JSON.stringify(uri)}: namespace ${JSON.stringify(namespace)} is invalid` };
  if (!SUBDOMAIN.test(serviceAccount))
    return {
      ok: false,
      error: `${JSON.stringify(uri)}: service account ${JSON.stringify(serviceAccount)} is invalid`,
    };
  return { ok: true, value: { trustDomain, namespace, serviceAccount } };
}

/**
 * The URIs of a certificate's subjectAltName as node:crypto prints it
 * (`DNS:a, URI:spiffe://..., IP Address:1.2.3.4`). Values with a comma are quoted by node; a
 * SPIFFE ID never holds one, so quoted entries are skipped rather than parsed.
 */
export function urisFromSubjectAltName(san: string | undefined): string[] {
  if (!san) return [];
  return san
    .split(', ')
    .filter((part) => part.startsWith('URI:'))
    .map((part) => part.slice(4));
}

/**
 * The identity in a client certificate's SANs: exactly one SPIFFE URI of `trustDomain`
 * (several would make the namespace ambiguous).
 */
export function identityFromSubjectAltName(
  san: string | undefined,
  trustDomain: string,
): ParseResult<WorkloadIdentity> {
  const spiffe = urisFromSubjectAltName(san).filter((u) => u.startsWith('spiffe://'));
  if (spiffe.length === 0) return { ok: false, error: 'client certificate has no spiffe:// URI SAN' };
  if (spiffe.length > 1)
    return {
      ok: false,
      error: `client certificate has ${spiffe.length} spiffe:// URI SANs: ${spiffe.join(', ')}`,
    };
  const parsed = parseSpiffeId(spiffe[0]!);
  if (!parsed.ok) return { ok: false, error: `client certificate URI SAN ${parsed.error}` };
  if (parsed.value.trustDomain !== trustDomain)
    return {
      ok: false,
      error: `client certificate ${spiffe[0]} is of trust domain ${JSON.stringify(parsed.value.trustDomain)}, not ${JSON.stringify(trustDomain)}`,
    };
  return { ok: true, value: { ...parsed.value, method: 'mtls' } };
}

/** `system:serviceaccount:NS:SA` (a TokenReview's `status.user.username`) to an identity. */
export function identityFromServiceAccountUsername(username: string): ParseResult<WorkloadIdentity> {
  const parts = username.split(':');
  if (parts.length !== 4 || parts[0] !== 'system' || parts[1] !== 'serviceaccount')
    return {
      ok: false,
      error: `token user ${JSON.stringify(username)} is not a ServiceAccount (system:serviceaccount:NAMESPACE:NAME)`,
    };
  const [, , namespace, serviceAccount] = parts as [string, string, string, string];
  if (!LABEL.test(namespace) || !SUBDOMAIN.test(serviceAccount))
    return { ok: false, error: `token user ${JSON.stringify(username)} has an invalid namespace or name` };
  return { ok: true, value: { namespace, serviceAccount, method: 'jwt' } };
}

/** How an identity reads in logs and errors: its SPIFFE ID, or its ServiceAccount username. */
export function describeIdentity(id: WorkloadIdentity): string {
  return id.trustDomain
    ? spiffeId(id.trustDomain, id.namespace, id.serviceAccount)
    : `system:serviceaccount:${id.namespace}:${id.serviceAccount}`;
}

/** The parts of a parsed proxy the binding reads (model/proxy.ts `Proxy`). */
export interface ProxyClaim {
  readonly id: string;
  readonly namespace: string;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/**
 * Every namespace a node claims: the one meshplane serves it as (`Proxy.namespace`, from metadata
 * NAMESPACE or the node id), plus the node id's `POD.NAMESPACE` and metadata NAMESPACE when
 * present, so a node cannot say one namespace in its id and another in its metadata.
 */
export function claimedNamespaces(proxy: ProxyClaim): string[] {
  const out = new Set<string>([proxy.namespace]);
  const parts = proxy.id.split('~');
  const pod = parts.length === 4 ? parts[2]! : '';
  // As parseProxy reads it: the pod name may hold dots, the namespace may not.
  const dot = pod.lastIndexOf('.');
  if (dot >= 0 && dot < pod.length - 1) out.add(pod.slice(dot + 1));
  const meta = proxy.metadata['NAMESPACE'];
  if (typeof meta === 'string' && meta !== '') out.add(meta);
  return [...out].sort();
}

export type BindingVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** A proxy may be served only the config of the namespace it proved (istiod's 15012 rule). */
export function checkNamespaceBinding(proxy: ProxyClaim, identity: WorkloadIdentity): BindingVerdict {
  const claimed = claimedNamespaces(proxy);
  const foreign = claimed.filter((ns) => ns !== identity.namespace);
  if (foreign.length === 0) return { ok: true };
  return {
    ok: false,
    reason: `node ${JSON.stringify(proxy.id)} claims namespace ${foreign.map((n) => JSON.stringify(n)).join(', ')} but authenticated as ${describeIdentity(identity)} (namespace ${JSON.stringify(identity.namespace)})`,
  };
}
