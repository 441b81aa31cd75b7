/**
 * `--consul-address URL`: the agent's HTTP address, with the adapter's settings as query
 * parameters so one flag carries them all (no flag per knob):
 *
 *   http://127.0.0.1:8500?dc=dc1&token-file=/etc/consul/token&warning=serve&host={name}.consul
 *
 * | parameter      | meaning                                                      | default                  |
 * |----------------|--------------------------------------------------------------|--------------------------|
 * | `dc`           | datacenter to read (`?dc=` on every query)                   | the agent's own          |
 * | `token`        | ACL token, sent as `X-Consul-Token` (prefer `token-file`)    | none                     |
 * | `token-file`   | file holding the ACL token, read at start                    | none                     |
 * | `warning`      | `serve` to keep sending traffic to `warning` instances       | only `passing` serves    |
 * | `host`         | host template, `{name}` = Consul service name                | `{name}.service.consul`  |
 * | `namespace`    | mesh namespace of the services                               | `default`                |
 * | `service-port` | service port of instances without `port-NAME` meta           | `80`                     |
 * | `wait`         | blocking query wait, seconds (Consul caps it at 600)         | `30`                     |
 *
 * Pure: parsing only (the token file is read by the controller).
 */
import { DEFAULT_CONSUL_SETTINGS, type ConsulSettings } from './conversion.js';

export interface ConsulConnection {
  /** Base URL without query, no trailing slash, e.g. `http://127.0.0.1:8500`. */
  readonly baseUrl: string;
  readonly datacenter?: string;
  readonly token?: string;
  readonly tokenFile?: string;
  readonly waitSeconds: number;
  readonly settings: ConsulSettings;
}

const KNOWN = new Set(['dc', 'token', 'token-file', 'warning', 'host', 'namespace', 'service-port', 'wait']);

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

export function parseConsulAddress(address: string): ParseResult<ConsulConnection> {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return { ok: false, error: `--consul-address: not a URL: ${JSON.stringify(address)}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, error: `--consul-address: expected http:// or https://, got ${url.protocol}` };
  }
  const q = url.searchParams;
  for (const key of q.keys()) {
    if (!KNOWN.has(key)) {
      return {
        ok: false,
        error: `--consul-address: unknown parameter ${key} (known: ${[...KNOWN].join(', ')})`,
      };
    }
  }
  const warning = q.get('warning');
  if (warning !== null && warning !== 'serve' && warning !== 'drop') {
    return { ok: false, error: '--consul-address: warning must be serve or drop' };
  }
  const host = q.get('host') ?? DEFAULT_CONSUL_SETTINGS.hostTemplate;
  if (!host.includes('{name}')) return { ok: false, error: '--consul-address: host must contain {name}' };
  const servicePort = Number(q.get('service-port') ?? DEFAULT_CONSUL_SETTINGS.defaultServicePort);
  if (!Number.isInteger(servicePort) || servicePort < 1 || servicePort > 65535) {
    return { ok: false, error: '--consul-address: service-port must be a port number' };
  }
  const wait = Number((q.get('wait') ?? '30').replace(/s$/, ''));
  if (!Number.isInteger(wait) || wait < 1 || wait > 600) {
    return { ok: false, error: '--consul-address: wait must be 1..600 seconds' };
  }
  const namespace = q.get('namespace') ?? DEFAULT_CONSUL_SETTINGS.namespace;
  const base = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  return {
    ok: true,
    value: {
      baseUrl: base,
      ...(q.get('dc') ? { datacenter: q.get('dc')! } : {}),
      ...(q.get('token') ? { token: q.get('token')! } : {}),
      ...(q.get('token-file') ? { tokenFile: q.get('token-file')! } : {}),
      waitSeconds: wait,
      settings: {
        hostTemplate: host,
        namespace,
        serveWarning: warning === 'serve',
        defaultServicePort: servicePort,
      },
    },
  };
}
