/**
 * A raw ADS client (@grpc/grpc-js + the same ads.proto): send requests, await responses one by
 * one, or assert silence. For protocol tests that a real xDS client library would hide.
 */
import * as grpc from '@grpc/grpc-js';
import { expect } from 'vitest';
import { adsPackageDefinition } from '../../../src/xds/ads-service.js';
import { silentLogger } from '../../../src/util/log.js';
import type { ResourceSource } from '../../../src/xds/source.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE } from '../../../src/xds/type-urls.js';
import { XdsServer } from '../../../src/xds/xds-server.js';

export type Msg = Record<string, any>;

export class RawStream {
  private readonly responses: Msg[] = [];
  private readonly waiters: Array<(m: Msg) => void> = [];
  readonly status: Promise<grpc.StatusObject>;
  private readonly call: grpc.ClientDuplexStream<Msg, Msg>;

  constructor(client: grpc.Client, method: 'StreamAggregatedResources' | 'DeltaAggregatedResources') {
    this.call = (client as any)[method]();
    this.call.on('data', (m: Msg) => {
      const w = this.waiters.shift();
      if (w) w(m);
      else this.responses.push(m);
    });
    this.call.on('error', () => undefined);
    this.status = new Promise((resolve) => this.call.on('status', resolve));
  }

  send(req: Msg): void {
    this.call.write(req);
  }

  next(timeoutMs = 3000): Promise<Msg> {
    const ready = this.responses.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no response within timeout')), timeoutMs);
      this.waiters.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  }

  async expectNone(ms = 250): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    expect(this.responses.map((r) => ({ type: r.type_url, nonce: r.nonce }))).toEqual([]);
  }

  end(): void {
    this.call.cancel();
  }
}

export const AdsClient = (grpc.loadPackageDefinition(adsPackageDefinition()) as any).envoy.service.discovery
  .v3.AggregatedDiscoveryService as typeof grpc.Client;

export function adsClient(port: number): grpc.Client {
  return new AdsClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

export interface RecordingServer {
  readonly grpcServer: grpc.Server;
  readonly port: number;
  /** Every message the ADS server wrote, with the stream it went to. */
  readonly written: Array<{ stream: number; message: Msg }>;
}

/**
 * Serves an XdsServer through `register()` on our own grpc.Server on 127.0.0.1, recording every
 * message it writes, so tests can check that resource bytes are shared, never re-encoded per stream.
 */
export async function serveRecording(xds: { register(server: grpc.Server): void }): Promise<RecordingServer> {
  const grpcServer = new grpc.Server();
  const written: Array<{ stream: number; message: Msg }> = [];
  let seq = 0;
  const shim = {
    addService: (def: grpc.ServiceDefinition, impl: grpc.UntypedServiceImplementation) => {
      const wrapped: grpc.UntypedServiceImplementation = {};
      for (const [k, handler] of Object.entries(impl)) {
        wrapped[k] = (call: any) => {
          const id = ++seq;
          const write = call.write.bind(call);
          call.write = (m: Msg, cb: any) => {
            written.push({ stream: id, message: m });
            return write(m, cb);
          };
          (handler as (c: any) => void)(call);
        };
      }
      grpcServer.addService(def, wrapped);
    },
  } as unknown as grpc.Server;
  xds.register(shim);
  const port = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return { grpcServer, port, written };
}

/** `ssl` plus `authorization: Bearer <token>` metadata on every call, as Istio's agent sends a proxy's token. */
export function withBearerToken(ssl: grpc.ChannelCredentials, token: string): grpc.ChannelCredentials {
  return grpc.credentials.combineChannelCredentials(
    ssl,
    grpc.credentials.createFromMetadataGenerator((_, cb) => {
      const md = new grpc.Metadata();
      md.set('authorization', `Bearer ${token}`);
      cb(null, md);
    }),
  );
}

/**
 * Opens a SotW stream and sends one CDS request for `node`; resolves to the response's resource
 * count, or to the stream's status when the server ends it first (e.g. an authentication failure).
 */
export async function askCds(
  client: grpc.Client,
  node: Msg,
  timeoutMs = 10_000,
): Promise<{ resources?: number; status?: grpc.StatusObject }> {
  const s = new RawStream(client, 'StreamAggregatedResources');
  s.send({ node, type_url: CLUSTER_TYPE });
  const result = await Promise.race([
    s.next(timeoutMs).then((m) => ({ resources: (m['resources'] as unknown[]).length })),
    s.status.then((status) => ({ status })),
  ]);
  s.end();
  return result;
}

/** An XdsServer on a recording grpc.Server (see serveRecording) with a raw ADS client to it. */
export interface ServedXds {
  readonly server: XdsServer;
  readonly client: grpc.Client;
  readonly written: Array<{ stream: number; message: Msg }>;
  stop(): Promise<void>;
}

/** Serves `source` through a fresh XdsServer on 127.0.0.1, recording every message written. */
export async function serveXds(source: ResourceSource): Promise<ServedXds> {
  const server = new XdsServer({ source, logger: silentLogger() });
  const rec = await serveRecording(server);
  const client = new AdsClient(`127.0.0.1:${rec.port}`, grpc.credentials.createInsecure());
  return {
    server,
    client,
    written: rec.written,
    async stop() {
      client.close();
      await server.stop();
      rec.grpcServer.forceShutdown();
    },
  };
}

/**
 * A SotW sidecar that subscribes CDS and LDS (wildcard) plus the named RDS and EDS resources,
 * ACKs everything it is sent, and NACKs a type when a test tells it to (the NACK → status tests).
 */
export class AckingSidecar {
  readonly latest = new Map<string, Msg>();
  private readonly stream: RawStream;
  private running = true;

  constructor(
    grpcClient: grpc.Client,
    node: Msg,
    private readonly named: { readonly routes: readonly string[]; readonly endpoints: readonly string[] },
  ) {
    this.stream = new RawStream(grpcClient, 'StreamAggregatedResources');
    this.stream.send({ node, type_url: CLUSTER_TYPE, resource_names: [] });
    this.stream.send({ type_url: LISTENER_TYPE, resource_names: [] });
    this.stream.send({ type_url: ROUTE_TYPE, resource_names: [...named.routes] });
    this.stream.send({ type_url: ENDPOINT_TYPE, resource_names: [...named.endpoints] });
    void this.pump();
  }

  private names(typeUrl: string): string[] {
    if (typeUrl === ROUTE_TYPE) return [...this.named.routes];
    return typeUrl === ENDPOINT_TYPE ? [...this.named.endpoints] : [];
  }

  private async pump(): Promise<void> {
    while (this.running) {
      let m: Msg;
      try {
        m = await this.stream.next(500);
      } catch {
        continue;
      }
      this.latest.set(m.type_url, m);
      this.ack(m.type_url);
    }
  }

  ack(typeUrl: string): void {
    const m = this.latest.get(typeUrl);
    if (!m) return;
    this.stream.send({
      type_url: typeUrl,
      resource_names: this.names(typeUrl),
      version_info: m.version_info,
      response_nonce: m.nonce,
    });
  }

  nack(typeUrl: string, message: string): void {
    const m = this.latest.get(typeUrl)!;
    this.stream.send({
      type_url: typeUrl,
      resource_names: this.names(typeUrl),
      version_info: '',
      response_nonce: m.nonce,
      error_detail: { code: 3, message },
    });
  }

  close(): void {
    this.running = false;
    this.stream.end();
  }
}
