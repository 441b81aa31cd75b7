/**
 * Every option meshplane takes, parsed once by zod in main and passed down (design §2): no other
 * module reads argv or the environment.
 */
import { z } from 'zod';
import { parseDuration } from './util/duration.js';

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/, 'expected HOST:PORT, e.g. 0.0.0.0:15010');

/** A duration flag (`30s`, `30m`, `1h`, `1h30m`, or plain milliseconds), parsed to milliseconds. */
const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const parsed = parseDuration(v);
  if (parsed.ok) return parsed.ms;
  ctx.addIssue({ code: 'custom', message: parsed.error });
  return z.NEVER;
});

/** How long a graceful shutdown (SIGTERM) may take (istiod's shutdown duration). */
const drainDurationMs = duration.default(5_000);

const registries = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.enum(['kubernetes', 'consul', 'eureka', 'serviceentry'])));

/** Only namespaces with all these labels are read (istiod's discoverySelectors, matchLabels). */
const namespaceSelector = z
  .string()
  .transform((s, ctx) => {
    const out: Record<string, string> = {};
    for (const pair of s.split(',').filter(Boolean)) {
      const [k, v, ...rest] = pair.split('=');
      if (!k || v === undefined || rest.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `expected key=value[,key=value], got ${JSON.stringify(pair)}`,
        });
        return z.NEVER;
      }
      out[k.trim()] = v.trim();
    }
    return out;
  })
  .optional();

const webhook = {
  webhookAddress: hostPort.default('0.0.0.0:15017'),
  /** Serving certificate and key files for the webhook; unset: generated at start (as istiod). */
  webhookCert: z.string().optional(),
  webhookKey: z.string().optional(),
  /** `NAME.NAMESPACE` of the webhook's Service, named in the generated certificate. */
  webhookService: z
    .string()
    .regex(/^[a-z0-9-]+\.[a-z0-9-]+$/, 'expected NAME.NAMESPACE')
    .default('meshplane.meshplane-system'),
};

/** `HOST:PORT`, or `off` for a listener that must not run. */
const hostPortOrOff = z.union([z.literal('off'), hostPort]);

/**
 * xDS over TLS (istiod's 15012) and who may use it: a client certificate of the mesh CA with a
 * SPIFFE ID, or a ServiceAccount token checked by a Kubernetes TokenReview (security/).
 */
const security = {
  secureXdsAddress: hostPortOrOff.default('0.0.0.0:15012'),
  /** Serving certificate and key files; unset: issued at start by the mesh CA. */
  tlsCert: z.string().optional(),
  tlsKey: z.string().optional(),
  /** CA bundle a client certificate must chain to; unset: the mesh CA. */
  tlsClientCa: z.string().optional(),
  /**
   * Where the mesh CA is kept (`ca-cert.pem`, `ca-key.pem`), generated there once if absent.
   * Unset: against Kubernetes, the Secret `meshplane-ca` (below); else `./var/meshplane-ca`.
   */
  caDir: z.string().min(1).optional(),
  /**
   * Namespace of the Secrets `meshplane-ca` and `meshplane-webhook-ca` that hold the CAs every
   * replica shares when meshplane runs against Kubernetes (created by the first replica).
   */
  caSecretNamespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'expected a namespace name')
    .default('meshplane-system'),
  /** `NAME.NAMESPACE` of meshplane's Service, named in the generated serving certificate. */
  xdsService: z
    .string()
    .regex(/^[a-z0-9-]+\.[a-z0-9-]+$/, 'expected NAME.NAMESPACE')
    .default('meshplane.meshplane-system'),
  /** How clients of the TLS port authenticate: `mtls`, `jwt` (any of them), or `none` alone. */
  xdsAuth: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(z.enum(['mtls', 'jwt', 'none']))
        .min(1, 'expected mtls, jwt, mtls,jwt or none')
        .refine((ms) => !ms.includes('none') || ms.length === 1, 'none cannot be combined with mtls or jwt'),
    )
    .default(['mtls', 'jwt']),
  /** SPIFFE trust domain of client certificates (Istio's default). */
  trustDomain: z
    .string()
    .regex(/^[a-z0-9._-]+$/, 'expected a trust domain such as cluster.local')
    .default('cluster.local'),
  /** Audience a ServiceAccount token must carry (Istio's `istio-ca`); empty: no audience check. */
  jwtAudience: z.string().default('istio-ca'),
};

const commonServing = {
  /** Plaintext xDS (istiod's 15010, unauthenticated); `off` leaves only the TLS port. */
  xdsAddress: hostPortOrOff.default('0.0.0.0:15010'),
  httpAddress: hostPort.default('0.0.0.0:15014'),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** Quiet period of the push debouncer (Istio PILOT_DEBOUNCE_AFTER). */
  debounceAfterMs: z.coerce.number().int().min(0).default(100),
  /** Longest a change waits for the debouncer (Istio PILOT_DEBOUNCE_MAX). */
  debounceMaxMs: z.coerce.number().int().min(1).default(10_000),
  domainSuffix: z.string().default('cluster.local'),
  /** Server ping interval on xDS connections; 0: off (istiod `--keepaliveInterval`, 30 s). */
  keepaliveIntervalMs: duration.default(30_000),
  /** Unanswered ping drops the connection after this (istiod `--keepaliveTimeout`, 10 s). */
  keepaliveTimeoutMs: duration.default(10_000),
  /** GOAWAY after this age so proxies rebalance across replicas; 0: never (istiod: 30 min). */
  maxConnectionAgeMs: duration.default(30 * 60_000),
  /** Streams may outlive that GOAWAY this long before the connection closes (istiod: 10 s). */
  maxConnectionAgeGraceMs: duration.default(10_000),
  drainDurationMs,
};

/**
 * Issue 8, several replicas against Kubernetes: each publishes the configs its proxies reject
 * (ConfigMap `meshplane-rejections-<replica-id>`) and the holder of the Lease
 * `meshplane-status-leader` merges them into the `Reconciled` conditions.
 */
const replicaStatus = {
  /** This replica's id; unset: the pod name (`POD_NAME`, else `HOSTNAME`, read by main.ts). */
  replicaId: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'expected a DNS name such as the pod name')
    .max(200)
    .optional(),
  /** Namespace of the report ConfigMaps and the leader Lease. */
  statusNamespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'expected a namespace name')
    .default('meshplane-system'),
  /** A report not re-written for this long is ignored: its replica is gone (default 45 s). */
  statusReportTtlMs: duration.default(45_000),
  /** Lease duration of the status leader (client-go's 15 s); renewed every third of it. */
  leaderLeaseDurationMs: duration.default(15_000),
};

export const discoveryOptions = z.object({
  command: z.literal('discovery'),
  configDir: z.string().optional(),
  kubeconfig: z.string().optional(),
  /** Service registries besides ServiceEntry (always on); `kubernetes` is implied by --kubeconfig. */
  registries: registries.optional(),
  namespaceSelector,
  consulAddress: z.string().url().optional(),
  eurekaUrl: z.string().url().optional(),
  ...webhook,
  /**
   * Also serve Galley's MCP here for Pilots in other processes; unset: MCP between the two halves
   * runs over 127.0.0.1 on a free port, reachable by nothing else.
   */
  mcpAddress: hostPort.optional(),
  ...commonServing,
  ...security,
  ...replicaStatus,
});

/** `meshplane galley`: sources, validation and the MCP server, no xDS. */
export const galleyOptions = z.object({
  command: z.literal('galley'),
  configDir: z.string().optional(),
  kubeconfig: z.string().optional(),
  namespaceSelector,
  mcpAddress: hostPort.default('0.0.0.0:9901'),
  httpAddress: hostPort.default('0.0.0.0:15014'),
  ...webhook,
  caSecretNamespace: security.caSecretNamespace,
  logLevel: commonServing.logLevel,
  domainSuffix: commonServing.domainSuffix,
  drainDurationMs,
  ...replicaStatus,
});

/** `meshplane pilot`: config from Galley over MCP, registries, xDS. */
export const pilotOptions = z.object({
  command: z.literal('pilot'),
  mcpServer: hostPort,
  registries: registries.optional(),
  consulAddress: z.string().url().optional(),
  eurekaUrl: z.string().url().optional(),
  /**
   * Pilot reads config from Galley; the Kubernetes API serves TokenReview of proxies' tokens on
   * the TLS port and the report of the configs its proxies reject (the `Reconciled` condition).
   */
  kubeconfig: z.string().optional(),
  ...commonServing,
  ...security,
  ...replicaStatus,
});

export const validateOptions = z.object({
  command: z.literal('validate'),
  files: z.array(z.string()).min(1, 'validate needs at least one -f FILE'),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('warn'),
});

/** `meshplane proxy-status`: the sync state of every proxy connected to a running meshplane. */
export const proxyStatusOptions = z.object({
  command: z.literal('proxy-status'),
  /** The monitoring address (`/debug/syncz`). */
  server: z.string().url().default('http://127.0.0.1:15014'),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('warn'),
});

/**
 * `meshplane issue-cert`: a workload certificate from the mesh CA in `--ca-dir` (SPIFFE URI SAN
 * `spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>`), for a proxy to authenticate on
 * the TLS port by mTLS. Writes cert-chain.pem, key.pem (0600) and root-cert.pem to `--out`.
 */
export const issueCertOptions = z.object({
  command: z.literal('issue-cert'),
  caDir: z.string().min(1).default('./var/meshplane-ca'),
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'expected a namespace name'),
  serviceAccount: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'expected a ServiceAccount name'),
  out: z.string().min(1),
  trustDomain: z.string().min(1).default('cluster.local'),
  validDays: z.coerce.number().int().min(1).max(3650).default(30),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('warn'),
});

export const options = z.discriminatedUnion('command', [
  discoveryOptions,
  galleyOptions,
  pilotOptions,
  validateOptions,
  proxyStatusOptions,
  issueCertOptions,
]);

export type DiscoveryOptions = z.infer<typeof discoveryOptions>;
export type GalleyOptions = z.infer<typeof galleyOptions>;
export type PilotOptions = z.infer<typeof pilotOptions>;
export type ValidateOptions = z.infer<typeof validateOptions>;
export type ProxyStatusOptions = z.infer<typeof proxyStatusOptions>;
export type IssueCertOptions = z.infer<typeof issueCertOptions>;
export type Options = z.infer<typeof options>;

const FLAG_TO_KEY: Record<string, string> = {
  'config-dir': 'configDir',
  kubeconfig: 'kubeconfig',
  registries: 'registries',
  'namespace-selector': 'namespaceSelector',
  'consul-address': 'consulAddress',
  'eureka-url': 'eurekaUrl',
  'xds-address': 'xdsAddress',
  'http-address': 'httpAddress',
  'webhook-address': 'webhookAddress',
  'webhook-cert': 'webhookCert',
  'webhook-key': 'webhookKey',
  'webhook-service': 'webhookService',
  'log-level': 'logLevel',
  'debounce-after': 'debounceAfterMs',
  'debounce-max': 'debounceMaxMs',
  'domain-suffix': 'domainSuffix',
  'keepalive-interval': 'keepaliveIntervalMs',
  'keepalive-timeout': 'keepaliveTimeoutMs',
  'keepalive-max-server-connection-age': 'maxConnectionAgeMs',
  'keepalive-max-server-connection-age-grace': 'maxConnectionAgeGraceMs',
  'drain-duration': 'drainDurationMs',
  'mcp-address': 'mcpAddress',
  'mcp-server': 'mcpServer',
  server: 'server',
  'secure-xds-address': 'secureXdsAddress',
  'tls-cert': 'tlsCert',
  'tls-key': 'tlsKey',
  'tls-client-ca': 'tlsClientCa',
  'ca-dir': 'caDir',
  namespace: 'namespace',
  'service-account': 'serviceAccount',
  out: 'out',
  'valid-days': 'validDays',
  'ca-secret-namespace': 'caSecretNamespace',
  'xds-service': 'xdsService',
  'xds-auth': 'xdsAuth',
  'trust-domain': 'trustDomain',
  'jwt-audience': 'jwtAudience',
  'replica-id': 'replicaId',
  'status-namespace': 'statusNamespace',
  'status-report-ttl': 'statusReportTtlMs',
  'leader-lease-duration': 'leaderLeaseDurationMs',
};

/** The flags each command accepts (a flag of another command is an error, not silently dropped). */
const COMMAND_SHAPES: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  discovery: discoveryOptions.shape,
  galley: galleyOptions.shape,
  pilot: pilotOptions.shape,
  validate: validateOptions.shape,
  'proxy-status': proxyStatusOptions.shape,
  'issue-cert': issueCertOptions.shape,
};

export type ParseArgsResult = { ok: true; options: Options } | { ok: false; error: string };

/** Turns `argv` (without node and script) into Options; errors name the flag. */
export function parseArgs(argv: readonly string[]): ParseArgsResult {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') return { ok: false, error: usage() };
  const raw: Record<string, unknown> = { command };
  const files: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (command === 'validate' && (arg === '-f' || arg === '--filename')) {
      const value = rest[++i];
      if (value === undefined) return { ok: false, error: `${arg} needs a value` };
      files.push(value);
      continue;
    }
    if (!arg.startsWith('--')) return { ok: false, error: `unexpected argument ${JSON.stringify(arg)}` };
    const eq = arg.indexOf('=');
    const flag = arg.slice(2, eq >= 0 ? eq : undefined);
    const key = FLAG_TO_KEY[flag];
    if (!key) return { ok: false, error: `unknown flag --${flag}\n${usage()}` };
    const shape = COMMAND_SHAPES[command];
    if (shape && !(key in shape))
      return { ok: false, error: `${command} does not take --${flag}\n${usage()}` };
    const value = eq >= 0 ? arg.slice(eq + 1) : rest[++i];
    if (value === undefined) return { ok: false, error: `--${flag} needs a value` };
    raw[key] = value;
  }
  if (command === 'validate') raw['files'] = files;
  const parsed = options.safeParse(raw);
  if (!parsed.success) {
    const msg = parsed.error.issues
      .map((i) => `${i.path.length ? i.path.join('.') : 'command'}: ${i.message}`)
      .join('; ');
    return { ok: false, error: msg };
  }
  return { ok: true, options: parsed.data };
}

export function usage(): string {
  return [
    'usage:',
    '  meshplane discovery [--config-dir DIR] [--kubeconfig FILE] [--registries kubernetes]',
    '                      [--namespace-selector k=v,...] [--xds-address H:P] [--http-address H:P]',
    '                      [--webhook-address H:P] [--webhook-cert FILE --webhook-key FILE]',
    '                      [--webhook-service NAME.NAMESPACE]',
    '                      [--debounce-after MS] [--debounce-max MS] [--log-level LEVEL]',
    '                      [--mcp-address H:P] [--drain-duration D] [--keepalive-interval D]',
    '                      [--keepalive-timeout D] [--keepalive-max-server-connection-age D]',
    '                      [--keepalive-max-server-connection-age-grace D]',
    '  meshplane galley [--config-dir DIR] [--kubeconfig FILE] [--namespace-selector k=v,...]',
    '                   [--mcp-address H:P] [--http-address H:P] [--webhook-address H:P]',
    '                   [--webhook-cert FILE --webhook-key FILE] [--log-level LEVEL] [--drain-duration D]',
    '  meshplane pilot --mcp-server H:P [--registries kubernetes] [--xds-address H:P]',
    '                  [--http-address H:P] [--debounce-after MS] [--debounce-max MS] [--log-level LEVEL]',
    '                  [--drain-duration D] [--keepalive-... D] (as discovery)',
    '  durations D: 500ms, 30s, 30m, 1h, 1h30m or milliseconds; keepalive and age flags take 0 for off',
    '  xDS over TLS (discovery and pilot): [--secure-xds-address H:P|off] [--xds-address H:P|off]',
    '                  [--tls-cert FILE --tls-key FILE] [--tls-client-ca FILE] [--ca-dir DIR]',
    '                  [--xds-service NAME.NAMESPACE] [--xds-auth mtls,jwt|none] [--trust-domain TD]',
    '                  [--jwt-audience AUD] (pilot: [--kubeconfig FILE] for TokenReview)',
    '  shared CAs against Kubernetes (discovery, galley, pilot): [--ca-secret-namespace NS]',
    '  meshplane validate -f FILE [-f FILE...]',
    '  several replicas (discovery): [--replica-id ID] [--status-namespace NS] [--status-report-ttl D]',
    '                               [--leader-lease-duration D]',
    '  meshplane proxy-status [--server URL]   (default http://127.0.0.1:15014)',
    '  meshplane issue-cert --namespace NS --service-account SA --out DIR [--ca-dir DIR]',
    '                       [--trust-domain TD] [--valid-days N]   (a workload certificate for mTLS on 15012)',
  ].join('\n');
}
