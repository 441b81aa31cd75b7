/**
 * The gRPC server's connection management, as istiod configures its xDS server
 * (`pkg/keepalive`: `--keepaliveInterval`, `--keepaliveTimeout`,
 * `--keepaliveMaxServerConnectionAge`, grace 10 s), mapped onto the channel options
 * @grpc/grpc-js 1.14 honours on a server (gRFC A9, server-side connection management):
 *
 * - `grpc.keepalive_time_ms` / `grpc.keepalive_timeout_ms`: the server pings every connection
 *   on this interval and drops one that does not answer in time, so a proxy that vanished
 *   without a FIN (node lost, NAT entry expired) stops holding a stream and its push state.
 * - `grpc.max_connection_age_ms`: after this age the server sends GOAWAY, so the proxy opens a
 *   new connection, which the Service may send to another replica. Without it, proxies stay on
 *   the replicas that were up when they connected, and a scaled-up Deployment takes no load.
 *   grpc-js already spreads the age by ±10 % per connection (random jitter), so reconnects of
 *   proxies that connected together do not come back together; no jitter is added here.
 * - `grpc.max_connection_age_grace_ms`: how long streams may continue after that GOAWAY. An ADS
 *   stream never ends by itself, so without a grace the old connection (and its stream) would
 *   live forever; after the grace grpc-js closes it and the proxy's xDS client reconnects.
 *
 * grpc-js servers have no keepalive enforcement policy (grpc-go's `MinTime`,
 * `PermitWithoutStream`: they never answer a client's frequent pings with GOAWAY
 * `too_many_pings`), so nothing needs loosening for proxies that ping often.
 */
import type { ChannelOptions } from '@grpc/grpc-js';

/** Connection management options; 0 turns the feature off. All in milliseconds. */
export interface ServerConnectionOptions {
  /** Ping interval on an idle or busy connection (istiod: 30 s). */
  readonly keepaliveIntervalMs: number;
  /** How long a ping may go unanswered before the connection is dropped (istiod: 10 s). */
  readonly keepaliveTimeoutMs: number;
  /** Age after which a connection is sent GOAWAY (istiod: 30 min); 0 = unlimited. */
  readonly maxConnectionAgeMs: number;
  /** How long streams may outlive that GOAWAY before the connection is closed (istiod: 10 s). */
  readonly maxConnectionAgeGraceMs: number;
}

/**
 * Largest delay Node's timers take (2^31 - 1 ms, ~24.8 days): a larger one fires after 1 ms with
 * a TimeoutOverflowWarning, which for the connection age would close every connection at once.
 */
export const MAX_TIMER_MS = 0x7fffffff;

/** grpc-js adds up to +10 % jitter to the age before arming its timer. */
const MAX_AGE_MS = Math.floor(MAX_TIMER_MS / 1.1);

function clamp(ms: number, max = MAX_TIMER_MS): number {
  return Math.min(Math.max(0, Math.round(ms)), max);
}

/**
 * The channel options for `new grpc.Server(options)`. Features turned off (0) are left out, so
 * grpc-js keeps its own default for them (no pings, unlimited age).
 */
export function buildServerChannelOptions(opts: ServerConnectionOptions): ChannelOptions {
  const out: Record<string, number> = {};
  if (opts.keepaliveIntervalMs > 0) {
    out['grpc.keepalive_time_ms'] = clamp(opts.keepaliveIntervalMs);
    // A timeout of 0 would drop every connection at its first ping: keep at least 1 ms.
    out['grpc.keepalive_timeout_ms'] = Math.max(1, clamp(opts.keepaliveTimeoutMs));
  }
  if (opts.maxConnectionAgeMs > 0) {
    out['grpc.max_connection_age_ms'] = Math.max(1, clamp(opts.maxConnectionAgeMs, MAX_AGE_MS));
    // grpc-js treats a missing grace as unlimited: ADS streams would then pin the old connection.
    out['grpc.max_connection_age_grace_ms'] = clamp(opts.maxConnectionAgeGraceMs);
  }
  return out;
}

/** Only the connection management fields of a larger options object (the parsed CLI options). */
export function pickServerConnectionOptions(o: ServerConnectionOptions): ServerConnectionOptions {
  return {
    keepaliveIntervalMs: o.keepaliveIntervalMs,
    keepaliveTimeoutMs: o.keepaliveTimeoutMs,
    maxConnectionAgeMs: o.maxConnectionAgeMs,
    maxConnectionAgeGraceMs: o.maxConnectionAgeGraceMs,
  };
}
