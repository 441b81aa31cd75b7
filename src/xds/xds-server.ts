/**
 * meshplane's Aggregated Discovery Service: `envoy.service.discovery.v3.AggregatedDiscoveryService`
 * over @grpc/grpc-js, both SotW (`StreamAggregatedResources`) and Delta
 * (`DeltaAggregatedResources`), on top of a ResourceSource. The server owns the streams; the
 * source owns what they receive.
 */
import {
  Server,
  ServerCredentials,
  status as GrpcStatus,
  type ChannelOptions,
  type ServerDuplexStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { parseProxy, type ParseProxyResult } from '../model/proxy.js';
import type { PushRequest } from '../model/push-request.js';
import { moduleLogger, type Logger } from '../util/log.js';
import type { DeltaDiscoveryRequest, DiscoveryRequest, NodeMessage } from './ads-messages.js';
import { adsServerDefinition } from './ads-service.js';
import type {
  AdsStream,
  AuthorizeHook,
  ConnectionDeps,
  ConnectionInfo,
  NackClearedEvent,
  NackEvent,
  ResponseEvent,
} from './connection-types.js';
import { DeltaConnection } from './delta-connection.js';
import type { PreparedResponse } from './prepared-response.js';
import { SotwConnection } from './sotw-connection.js';
import type { ResourceSource } from './source.js';
import { nodeFromMessage } from './struct.js';
import { installGrpcTuning, raiseHttp2Limits } from './grpc-tuning.js';
import { isWildcardType } from './type-state.js';

export interface XdsServerOptions {
  readonly source: ResourceSource;
  readonly logger?: Logger;
  /**
   * Largest request accepted, in bytes (-1: no limit). Requests can be large (a delta reconnect
   * lists every resource the client holds; NACKs quote whole configs), so the gRPC default of
   * 4 MiB is raised. Responses are never limited by the server.
   */
  readonly maxReceiveMessageBytes?: number;
  /** Extra gRPC server options (keepalive...). */
  readonly grpcOptions?: ChannelOptions;
  /** Node to Proxy (default: Istio's node id convention via `parseProxy`). MCP may accept any node. */
  readonly parseNode?: (node: NodeLikeMessage) => ParseProxyResult;
  /** Types where an empty first request means wildcard (default: all but RDS/EDS/SDS). */
  readonly wildcardType?: (typeUrl: string) => boolean;
  /** Called for every response written (metrics, convergence). */
  readonly onResponse?: (event: ResponseEvent) => void;
  /** Called for every NACK a proxy sends (metrics, status of the config it rejected). */
  readonly onNack?: (event: NackEvent) => void;
  /** Called when a NACK stops being current: a later ACK of the type, or the stream closed. */
  readonly onNackCleared?: (event: NackClearedEvent) => void;
  /** How long a push fans out to streams before yielding to the event loop (ms, default 250). */
  readonly fanoutSliceMs?: number;
  /** How long `stop()` waits for streams to end before forcing the server down (ms). */
  readonly shutdownGraceMs?: number;
}

export type NodeLikeMessage = NodeMessage | null | undefined;

/**
 * A second listener for the same ADS service, as istiod's 15012 next to 15010: TLS credentials,
 * and a check of every stream's caller against the node it claims (security/xds-security.ts).
 */
export interface SecureXdsListener {
  readonly address: string;
  readonly credentials: ServerCredentials;
  readonly authorize?: AuthorizeHook;
}

const DEFAULT_MAX_RECEIVE = 64 * 1024 * 1024;
const DEFAULT_FANOUT_SLICE_MS = 250;

export class XdsServer {
  private readonly log: Logger;
  private readonly deps: ConnectionDeps;
  private readonly live = new Set<AdsStream>();
  private server: Server | undefined;
  /** The TLS listener: its own grpc.Server (its streams get the authorize hook), same streams set. */
  private secureServer: Server | undefined;
  private serving = false;

  constructor(private readonly options: XdsServerOptions) {
    this.log = moduleLogger('ads', options.logger);
    const tuning = installGrpcTuning();
    if (!tuning.zeroCopy || !tuning.decoder) this.log.debug(tuning, 'grpc-js tuning partly unavailable');
    const parseNode = options.parseNode ?? ((node: NodeLikeMessage) => parseProxy(nodeFromMessage(node)));
    this.deps = {
      source: options.source,
      logger: this.log,
      parseNode,
      wildcardType: options.wildcardType ?? isWildcardType,
      onClose: (conn) => this.live.delete(conn),
      onResponse: options.onResponse,
      onNack: options.onNack,
      onNackCleared: options.onNackCleared,
    };
  }

  /** The ADS handlers, to share a grpc.Server with other services. */
  implementation(deps: ConnectionDeps = this.deps): UntypedServiceImplementation {
    return {
      StreamAggregatedResources: (call: ServerDuplexStream<DiscoveryRequest, PreparedResponse>) => {
        if (!this.serving) return this.refuse(call);
        this.live.add(new SotwConnection(call, deps, 'sotw'));
      },
      DeltaAggregatedResources: (call: ServerDuplexStream<DeltaDiscoveryRequest, PreparedResponse>) => {
        if (!this.serving) return this.refuse(call);
        this.live.add(new DeltaConnection(call, deps, 'delta'));
      },
    };
  }

  /** Registers ADS on an existing server; the caller binds it. Marks the service as serving. */
  register(server: Server): void {
    server.addService(adsServerDefinition(), this.implementation());
    this.serving = true;
  }

  /** Binds `host:port` (port 0 picks one) and serves; resolves to the bound port. */
  async start(address: string): Promise<number> {
    if (this.server) throw new Error('XdsServer already started');
    const { server, port } = await this.listen(address, ServerCredentials.createInsecure(), this.deps);
    this.server = server;
    this.serving = true;
    this.log.info({ address, port }, 'xDS server listening');
    return port;
  }

  /**
   * Binds the TLS listener (alone, or next to `start`'s plaintext one): the same ADS service
   * and streams, with `listener.authorize` deciding on each stream's first request.
   */
  async startSecure(listener: SecureXdsListener): Promise<number> {
    if (this.secureServer) throw new Error('XdsServer secure listener already started');
    const deps: ConnectionDeps = listener.authorize
      ? { ...this.deps, authorize: listener.authorize }
      : this.deps;
    const { server, port } = await this.listen(listener.address, listener.credentials, deps);
    this.secureServer = server;
    this.serving = true;
    this.log.info({ address: listener.address, port, tls: true }, 'xDS server listening (TLS)');
    return port;
  }

  private async listen(
    address: string,
    credentials: ServerCredentials,
    deps: ConnectionDeps,
  ): Promise<{ server: Server; port: number }> {
    const max = this.options.maxReceiveMessageBytes ?? DEFAULT_MAX_RECEIVE;
    const server = new Server({
      'grpc.max_receive_message_length': max,
      // Channelz keeps a call tracker and metric recorder per stream: memory at thousands of
      // proxies, for a debugging interface meshplane does not serve.
      'grpc.enable_channelz': 0,
      ...this.options.grpcOptions,
    });
    if (!raiseHttp2Limits(server)) this.log.debug('grpc-js HTTP/2 settings not adjustable; defaults kept');
    server.addService(adsServerDefinition(), this.implementation(deps));
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(address, credentials, (err, bound) => (err ? reject(err) : resolve(bound)));
    });
    return { server, port };
  }

  /**
   * Stops accepting streams and shuts the server down. Without `drainMs` every open stream ends
   * at once with UNAVAILABLE (clients reconnect, to another replica if there is one).
   *
   * With `drainMs` (graceful shutdown on SIGTERM) the reconnects are spread out instead, so the
   * remaining replicas are not hit by every proxy in the same instant: the listener closes and
   * every connection gets GOAWAY at once (no new connection or stream lands here), the open
   * streams end with UNAVAILABLE one after another over the first half of the window, and the
   * connections still open when the window ends are closed.
   */
  async stop(drainMs?: number): Promise<void> {
    this.serving = false;
    const server = this.server;
    this.server = undefined;
    const secure = this.secureServer;
    this.secureServer = undefined;
    const secureGrace =
      drainMs !== undefined && drainMs > 0 ? drainMs : (this.options.shutdownGraceMs ?? 5000);
    const secureClosed = secure ? this.shutdown(secure, secureGrace) : Promise.resolve();
    const conns = [...this.live];
    if (drainMs === undefined || drainMs <= 0) {
      for (const conn of conns) conn.fail(GrpcStatus.UNAVAILABLE, 'xDS server shutting down');
      this.live.clear();
      if (server) await this.shutdown(server, this.options.shutdownGraceMs ?? 5000);
      await secureClosed;
      return;
    }
    const started = performance.now();
    this.log.info({ streams: conns.length, drainMs }, 'xDS server draining');
    const closed = server ? this.shutdown(server, drainMs) : Promise.resolve();
    await endSpread(conns, drainMs / 2, (conn) =>
      conn.fail(GrpcStatus.UNAVAILABLE, 'xDS server draining: reconnect to another replica'),
    );
    this.live.clear();
    await Promise.all([closed, secureClosed]);
    this.log.info({ ms: Math.round(performance.now() - started) }, 'xDS server drained');
  }

  /** GOAWAY on every connection, waits up to `graceMs` for them to close, then closes them. */
  private async shutdown(server: Server, graceMs: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.log.info('xDS connections still open at the end of the grace: closing them');
        server.forceShutdown();
        resolve();
      }, graceMs);
      timer.unref();
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.log.info('xDS server stopped');
  }

  isServing(): boolean {
    return this.serving;
  }

  /**
   * Queues a config change on every stream. Each stream asks the source, per watched type in
   * push order (CDS, EDS, LDS, RDS), whether the change concerns it, and writes a type only if
   * its content changed; a stream still writing merges this push into its next one.
   */
  push(request: PushRequest): void {
    const conns = [...this.live];
    const slice = this.options.fanoutSliceMs ?? DEFAULT_FANOUT_SLICE_MS;
    let i = 0;
    // A stream runs synchronously up to its first write. Yielding every `slice` ms lets gRPC
    // accept connections and read requests while a push reaches thousands of streams; long
    // slices rather than small batches, because every yield also lets the ACKs of the streams
    // already served in ahead of the streams still waiting (a SotW ACK repeats the whole
    // subscription: at 2,000 streams, 50 ms slices put ~90 MB of ACKs ahead of the last streams
    // and tripled the p99 of an endpoint push; 2,000 streams fit in one 250 ms slice).
    const step = (): void => {
      const until = performance.now() + slice;
      while (i < conns.length) {
        conns[i++]!.enqueuePush(request);
        if ((i & 15) === 0 && performance.now() >= until) break;
      }
      if (i < conns.length) setImmediate(step);
    };
    step();
  }

  /** Connected streams and their per-type sync state (debug, proxy-status). */
  connections(): ConnectionInfo[] {
    return [...this.live]
      .filter((c) => c.isReady())
      .map((c) => c.info())
      .sort((a, b) =>
        a.proxyId < b.proxyId ? -1 : a.proxyId > b.proxyId ? 1 : a.connectionId < b.connectionId ? -1 : 1,
      );
  }

  private refuse(call: ServerDuplexStream<unknown, unknown>): void {
    call.emit('error', { code: GrpcStatus.UNAVAILABLE, details: 'xDS server is not serving' });
  }
}

/**
 * Calls `end` on every stream, evenly spread over `windowMs` (the first at once). Timers are
 * unref'd: a drain never keeps the process alive on its own.
 */
async function endSpread(
  conns: readonly AdsStream[],
  windowMs: number,
  end: (c: AdsStream) => void,
): Promise<void> {
  if (conns.length === 0) return;
  const step = conns.length > 1 ? windowMs / (conns.length - 1) : 0;
  // Batches of at least 1 ms: thousands of streams need not mean thousands of timers.
  const perTick = step >= 1 ? 1 : Math.ceil(1 / Math.max(step, 1e-3));
  for (let i = 0; i < conns.length; i += perTick) {
    for (const conn of conns.slice(i, i + perTick)) end(conn);
    if (i + perTick < conns.length) {
      await new Promise<void>((resolve) => setTimeout(resolve, Math.max(1, step * perTick)).unref());
    }
  }
}
