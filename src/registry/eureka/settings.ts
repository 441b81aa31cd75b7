/**
 * `--eureka-url URL`: the server's base (`http://127.0.0.1:8761/eureka`), with the adapter's
 * settings as query parameters, as for Consul:
 *
 *   http://127.0.0.1:8761/eureka?host=app&suffix=.eureka&interval=30
 *
 * | parameter     | meaning                                                   | default   |
 * |---------------|-----------------------------------------------------------|-----------|
 * | `host`        | `vip` (VIP address) or `app` (application name)           | `vip`     |
 * | `suffix`      | appended to a bare (dot-less) VIP or app name             | `.eureka` |
 * | `namespace`   | mesh namespace of the services                            | `default` |
 * | `interval`    | seconds between delta fetches (Eureka clients use 30)     | `30`      |
 * | `service-port`| service port of the plain instance port                   | `80`      |
 * | `secure-port` | service port of the secure instance port                  | `443`     |
 *
 * Pure: parsing only.
 */
import { DEFAULT_EUREKA_SETTINGS, type EurekaSettings } from './conversion.js';

export interface EurekaConnection {
  /** Base URL without query or trailing slash; `/apps` is appended. */
  readonly baseUrl: string;
  readonly intervalMs: number;
  readonly settings: EurekaSettings;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

const KNOWN = new Set(['host', 'suffix', 'namespace', 'interval', 'service-port', 'secure-port']);

function port(v: string | null, fallback: number): number | undefined {
  const n = Number(v ?? fallback);
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

export function parseEurekaUrl(address: string): ParseResult<EurekaConnection> {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return { ok: false, error: `--eureka-url: not a URL: ${JSON.stringify(address)}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, error: `--eureka-url: expected http:// or https://, got ${url.protocol}` };
  }
  const q = url.searchParams;
  for (const key of q.keys()) {
    if (!KNOWN.has(key)) {
      return { ok: false, error: `--eureka-url: unknown parameter ${key} (known: ${[...KNOWN].join(', ')})` };
    }
  }
  const host = q.get('host') ?? DEFAULT_EUREKA_SETTINGS.hostFrom;
  if (host !== 'vip' && host !== 'app') return { ok: false, error: '--eureka-url: host must be vip or app' };
  const interval = Number(q.get('interval') ?? '30');
  if (!Number.isFinite(interval) || interval < 0.1 || interval > 3600) {
    return { ok: false, error: '--eureka-url: interval must be 0.1..3600 seconds' };
  }
  const servicePort = port(q.get('service-port'), DEFAULT_EUREKA_SETTINGS.servicePort);
  const securePort = port(q.get('secure-port'), DEFAULT_EUREKA_SETTINGS.secureServicePort);
  if (servicePort === undefined || securePort === undefined || servicePort === securePort) {
    return { ok: false, error: '--eureka-url: service-port and secure-port must be two different ports' };
  }
  return {
    ok: true,
    value: {
      baseUrl: `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`,
      intervalMs: Math.round(interval * 1000),
      settings: {
        hostFrom: host,
        suffix: q.get('suffix') ?? DEFAULT_EUREKA_SETTINGS.suffix,
        namespace: q.get('namespace') ?? DEFAULT_EUREKA_SETTINGS.namespace,
        servicePort,
        secureServicePort: securePort,
      },
    },
  };
}
