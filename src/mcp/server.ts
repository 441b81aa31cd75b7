/**
 * Galley's MCP server: the ADS service of `src/xds` over {@link McpResourceSource}, so Pilots
 * subscribe to config collections with the same stream code (and the same protocol guarantees)
 * as proxies subscribe to Envoy resources. Any node id is accepted: a Pilot is identified by its
 * node id in logs and in the debug view, not parsed as an Istio proxy.
 *
 * Every change of the ConfigStore or of the core view is pushed at once (Pilot debounces; a
 * stream still writing merges pushes, design §5), naming the changed objects so that only
 * their collections are re-sent.
 */
import type { McpMetrics } from '../util/metrics.js';
import type { ChannelOptions } from '@grpc/grpc-js';
import type { WatchableConfigStore } from '../galley/config-store.js';
import type { CoreChange } from '../galley/sources/kube-core.js';
import type { ParseProxyResult } from '../model/proxy.js';
import type { ConfigRef } from '../model/push-request.js';
import { fullPush } from '../model/push-request.js';
import { moduleLogger, type Logger } from '../util/log.js';
import type { NodeMessage } from '../xds/ads-messages.js';
import type { ConnectionInfo } from '../xds/connection-types.js';
import { nodeFromMessage } from '../xds/struct.js';
import { XdsServer } from '../xds/xds-server.js';
import { McpResourceSource, type CoreObjectsView } from './resource-source.js';

/** The core view plus its change feed (the Kubernetes source's `core`). */
export interface WatchableCoreObjects extends CoreObjectsView {
  onChange(handler: (changes: readonly CoreChange[]) => void): () => void;
}

export interface McpServerOptions {
  readonly store: WatchableConfigStore;
  readonly core?: WatchableCoreObjects;
  readonly logger: Logger;
  readonly grpcOptions?: ChannelOptions;
  /** `meshplane_mcp_pushes_total`, `meshplane_mcp_rejects_total`, `meshplane_mcp_clients`. */
  readonly metrics?: McpMetrics;
}

/** One collection as a connected Pilot holds it (Galley's `/debug/mcpz`). */
export interface McpCollectionStatus {
  readonly collection: string;
  readonly subscription: 'wildcard' | readonly string[];
  readonly sentVersion?: string;
  readonly sentNonce?: string;
  readonly ackedVersion?: string;
  readonly ackedNonce?: string;
  /** The last response sent was ACKed. */
  readonly synced: boolean;
  /** Resources the Pilot holds, as far as Galley knows. */
  readonly resources: number;
  readonly lastNack?: { readonly nonce?: string; readonly error?: string };
}

export interface McpPeerStatus {
  readonly node: string;
  readonly connectionId: string;
  readonly peer: string;
  readonly mode: 'sotw' | 'delta';
  readonly connectedAt: string;
  readonly collections: readonly McpCollectionStatus[];
}

/** MCP accepts any node: a Pilot names itself freely (`pilot~HOST~PID` by default). */
export function parseMcpNode(node: NodeMessage | null | undefined): ParseProxyResult {
  const n = nodeFromMessage(node);
  const metadata = n?.metadata ?? {};
  const namespace = typeof metadata['NAMESPACE'] === 'string' ? metadata['NAMESPACE'] : '';
  return {
    ok: true,
    proxy: {
      id: n?.id || 'anonymous',
      type: 'sidecar',
      ipAddresses: [],
      podName: '',
      namespace,
      dnsDomain: '',
      labels: {},
      metadata,
      locality: { region: '', zone: '', subzone: '' },
    },
  };
}

function collectionStatus(t: ConnectionInfo['types'][number]): McpCollectionStatus {
  return {
    collection: t.typeUrl,
    subscription: t.wildcard ? 'wildcard' : t.names,
    sentVersion: t.sentVersion,
    sentNonce: t.sentNonce,
    ackedVersion: t.ackedVersion,
    ackedNonce: t.ackedNonce,
    synced: t.sentNonce !== undefined && t.ackedNonce === t.sentNonce,
    resources: t.resourceCount,
    ...(t.lastNackNonce ? { lastNack: { nonce: t.lastNackNonce, error: t.lastNackError } } : {}),
  };
}

export class McpServer {
  private readonly log: Logger;
  private readonly source: McpResourceSource;
  private readonly xds: XdsServer;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(private readonly options: McpServerOptions) {
    this.log = moduleLogger('mcp-server', options.logger);
    this.source = new McpResourceSource({
      store: options.store,
      ...(options.core ? { core: options.core } : {}),
    });
    this.xds = new XdsServer({
      source: this.source,
      logger: this.log,
      parseNode: parseMcpNode,
      // Every collection is wanted whole: an empty first request is a wildcard subscription.
      wildcardType: () => true,
      ...(options.grpcOptions ? { grpcOptions: options.grpcOptions } : {}),
      ...(options.metrics
        ? {
            onResponse: (e) => options.metrics!.mcpPush(e.typeUrl),
            onNack: (e) => options.metrics!.mcpReject(e.typeUrl),
          }
        : {}),
    });
    options.metrics?.setMcpClients(() => this.peers().length);
  }

  /** Starts watching for changes and serving on `address` (port 0 picks one); resolves to the port. */
  async start(address: string): Promise<number> {
    this.unsubscribe.push(
      this.options.store.onChange((events) =>
        this.changed(
          events.map((e) => ({
            kind: e.config.meta.kind,
            namespace: e.config.meta.namespace,
            name: e.config.meta.name,
          })),
        ),
      ),
    );
    const core = this.options.core;
    if (core) {
      this.unsubscribe.push(
        core.onChange((changes) =>
          this.changed(
            changes.flatMap((c) =>
              [...c.upserts, ...c.deletes].map((o) => ({
                kind: c.kind,
                namespace: o.metadata.namespace ?? '',
                name: o.metadata.name,
              })),
            ),
          ),
        ),
      );
    }
    const port = await this.xds.start(address);
    this.log.info({ address, port }, 'MCP server listening');
    return port;
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    await this.xds.stop();
  }

  isServing(): boolean {
    return this.xds.isServing();
  }

  /** Connected Pilots and, per collection, what each has acknowledged. */
  peers(): McpPeerStatus[] {
    return this.xds.connections().map((c) => ({
      node: c.proxyId,
      connectionId: c.connectionId,
      peer: c.peer,
      mode: c.mode,
      connectedAt: new Date(c.connectedAt).toISOString(),
      collections: c.types.map(collectionStatus),
    }));
  }

  /** Resources served per collection (collections asked for at least once). */
  served(): Record<string, number> {
    return this.source.counts();
  }

  private changed(refs: readonly ConfigRef[]): void {
    if (refs.length === 0) return;
    this.source.invalidate(refs.map((r) => r.kind));
    this.xds.push(fullPush('config', Date.now(), refs));
  }
}
