/**
 * Pilot's MCP client: one delta ADS stream to Galley carrying every collection Pilot needs, each
 * subscribed by wildcard (`*`), each response applied by {@link McpApplier} and ACKed, or NACKed
 * with the applier's error (xDS protocol, "ACK and NACK semantics").
 *
 * When the stream ends (Galley restarts, the network drops it), Pilot keeps serving the config it
 * holds and reconnects with exponential backoff and jitter, re-subscribing with
 * `initial_resource_versions` (xDS protocol, "Reconnect"): Galley then sends only what changed
 * while the stream was down, removals included, and an unchanged Galley sends nothing at all.
 * A fresh channel per attempt keeps the retry timing ours rather than the channel's own backoff.
 */
import * as grpc from '@grpc/grpc-js';
import { moduleLogger, type Logger } from '../util/log.js';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse } from '../xds/ads-messages.js';
import { adsServiceDefinition } from '../xds/ads-service.js';
import type { ApplyOutcome, McpApplier } from './apply.js';

export interface McpClientOptions {
  /** Galley's MCP address, `host:port`. */
  readonly address: string;
  /** Type URLs (GVK strings) to subscribe to. */
  readonly collections: readonly string[];
  readonly applier: McpApplier;
  readonly nodeId: string;
  readonly nodeMetadata?: Readonly<Record<string, string>>;
  readonly logger: Logger;
  /** First retry delay (default 100 ms); doubles per failed attempt up to `maxBackoffMs`. */
  readonly initialBackoffMs?: number;
  /** Longest retry delay (default 5 s). */
  readonly maxBackoffMs?: number;
  /** Every response applied (metrics, tests). */
  readonly onApplied?: (outcome: ApplyOutcome) => void;
}

export interface McpCollectionClientStatus {
  readonly collection: string;
  readonly resources: number;
  readonly responses: number;
  readonly lastVersion?: string;
  readonly lastNonce?: string;
  readonly lastNack?: string;
}

export interface McpClientStatus {
  readonly server: string;
  readonly node: string;
  readonly connected: boolean;
  /** Streams opened that received at least one response. */
  readonly connections: number;
  /** Every collection has been received at least once since start. */
  readonly synced: boolean;
  /** The current stream: has every collection been answered yet, and how many changes it brought. */
  readonly stream?: { readonly synced: boolean; readonly changes: number };
  readonly lastError?: string;
  readonly collections: readonly McpCollectionClientStatus[];
}

interface CollectionState {
  responses: number;
  lastVersion?: string;
  lastNonce?: string;
  lastNack?: string;
}

/** INVALID_ARGUMENT, as Envoy reports a rejected config in `error_detail.code`. */
const NACK_CODE = 3;

export class McpClient {
  private readonly log: Logger;
  private readonly method: grpc.MethodDefinition<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
  private channel: grpc.Client | undefined;
  private call: grpc.ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private stopped = true;
  private connected = false;
  private connections = 0;
  private lastError: string | undefined;
  private readonly state = new Map<string, CollectionState>();
  /** Collections answered on the current stream, and the changes it brought. */
  private answered = new Set<string>();
  private changes = 0;
  private readonly everAnswered = new Set<string>();
  private syncWaiters: Array<() => void> = [];

  constructor(private readonly options: McpClientOptions) {
    this.log = moduleLogger('mcp-client', options.logger).child({ server: options.address });
    this.method = adsServiceDefinition()['DeltaAggregatedResources'] as grpc.MethodDefinition<
      DeltaDiscoveryRequest,
      DeltaDiscoveryResponse
    >;
    for (const c of options.collections) this.state.set(c, { responses: 0 });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  /** Resolves once every collection has been received at least once. */
  synced(): Promise<void> {
    if (this.isSynced()) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  isSynced(): boolean {
    return this.everAnswered.size === this.options.collections.length;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const call = this.call;
    this.call = undefined;
    call?.cancel();
    this.channel?.close();
    this.channel = undefined;
    this.connected = false;
  }

  status(): McpClientStatus {
    return {
      server: this.options.address,
      node: this.options.nodeId,
      connected: this.connected,
      connections: this.connections,
      synced: this.isSynced(),
      ...(this.connected
        ? {
            stream: { synced: this.answered.size === this.options.collections.length, changes: this.changes },
          }
        : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
      collections: [...this.state].map(([collection, s]) => ({
        collection,
        resources: this.options.applier.heldCount(collection),
        responses: s.responses,
        ...(s.lastVersion !== undefined ? { lastVersion: s.lastVersion } : {}),
        ...(s.lastNonce !== undefined ? { lastNonce: s.lastNonce } : {}),
        ...(s.lastNack !== undefined ? { lastNack: s.lastNack } : {}),
      })),
    };
  }

  private connect(): void {
    this.timer = undefined;
    if (this.stopped) return;
    this.channel?.close();
    this.channel = new grpc.Client(this.options.address, grpc.credentials.createInsecure(), {
      // A Galley that vanished without closing the connection is noticed within ~40 s.
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.max_receive_message_length': -1,
    });
    const call = this.channel.makeBidiStreamRequest(
      this.method.path,
      this.method.requestSerialize,
      this.method.responseDeserialize,
    );
    this.call = call;
    this.answered = new Set();
    this.changes = 0;
    call.on('data', (res: DeltaDiscoveryResponse) => this.onResponse(call, res));
    call.on('error', (err: grpc.ServiceError) => {
      if (call === this.call) this.lastError = err.details || err.message;
    });
    call.on('status', (status: grpc.StatusObject) => this.onEnd(call, status));
    const node = {
      id: this.options.nodeId,
      metadata: {
        fields: Object.fromEntries(
          Object.entries(this.options.nodeMetadata ?? {}).map(([k, v]) => [k, { stringValue: v }]),
        ),
      },
    };
    this.options.collections.forEach((typeUrl, i) => {
      call.write({
        ...(i === 0 ? { node } : {}),
        type_url: typeUrl,
        resource_names_subscribe: ['*'],
        initial_resource_versions: this.options.applier.initialVersions(typeUrl),
      });
    });
  }

  private onResponse(
    call: grpc.ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>,
    res: DeltaDiscoveryResponse,
  ): void {
    if (call !== this.call) return;
    if (!this.connected) {
      this.connected = true;
      this.connections++;
      this.attempts = 0;
      this.lastError = undefined;
      this.log.info({ reconnect: this.connections > 1 }, 'MCP stream connected');
    }
    const outcome = this.options.applier.handle(res);
    const typeUrl = res.type_url ?? '';
    const s = this.state.get(typeUrl);
    if (s) {
      s.responses++;
      s.lastVersion = res.system_version_info;
      s.lastNonce = res.nonce;
      if (outcome.error) s.lastNack = outcome.error;
      else delete s.lastNack;
    }
    const request: DeltaDiscoveryRequest = { type_url: typeUrl, response_nonce: res.nonce };
    if (outcome.error) {
      request.error_detail = { code: NACK_CODE, message: outcome.error };
      this.log.error(
        { collection: typeUrl, nonce: res.nonce, error: outcome.error },
        'MCP config rejected (NACK)',
      );
    }
    call.write(request);
    this.changes += outcome.applied + outcome.removed;
    this.log.debug(
      {
        collection: typeUrl,
        applied: outcome.applied,
        removed: outcome.removed,
        unchanged: outcome.unchanged,
      },
      'MCP response applied',
    );
    this.options.onApplied?.(outcome);
    if (s && !this.answered.has(typeUrl)) {
      this.answered.add(typeUrl);
      this.everAnswered.add(typeUrl);
      if (this.answered.size === this.options.collections.length) {
        this.log.info({ changes: this.changes, connection: this.connections }, 'MCP synced');
        if (this.isSynced()) for (const w of this.syncWaiters.splice(0)) w();
      }
    }
  }

  private onEnd(
    call: grpc.ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>,
    status: grpc.StatusObject,
  ): void {
    if (call !== this.call) return;
    this.call = undefined;
    const wasConnected = this.connected;
    this.connected = false;
    if (this.stopped) return;
    if (status.code !== grpc.status.OK) this.lastError = status.details;
    const base = this.options.initialBackoffMs ?? 100;
    const max = this.options.maxBackoffMs ?? 5000;
    const delay = Math.min(max, base * 2 ** this.attempts) * (0.8 + 0.4 * Math.random());
    this.attempts++;
    const log = wasConnected ? this.log.warn.bind(this.log) : this.log.debug.bind(this.log);
    log(
      { code: status.code, details: status.details, retryMs: Math.round(delay), attempt: this.attempts },
      'MCP stream ended; serving the last config received and reconnecting',
    );
    this.timer = setTimeout(() => this.connect(), delay);
  }
}
