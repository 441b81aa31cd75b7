/**
 * Collects a sidecar's outbound listeners (`ADDRESS_PORT`) with Istio's conflict rules, since
 * Envoy rejects two listeners on one address and port, and filter chains that match the same
 * connections:
 * - the first listener claimed for an address and port keeps it (callers add explicit Sidecar
 *   egress listeners first, then services in hostname order);
 * - an HTTP listener has one chain: the HttpConnectionManager reading RDS by port; a later TCP
 *   service on the same wildcard port is not served (Istio reports the same conflict);
 * - TCP listeners take one chain, except TLS chains matched by SNI (`server_names`), which share
 *   a wildcard listener as long as their names differ; the listener then carries the
 *   `tls_inspector` listener filter that reads the SNI.
 * Listeners reached through `virtualOutbound` are not bound (`bind_to_port: false`); those of a
 * `captureMode: NONE` egress listener or a proxy without traffic capture are. Pure.
 */
import { TLS_INSPECTOR_FILTER, TLS_INSPECTOR_TYPE } from '../envoy-types.js';
import { emptyAny, type ProtoObject } from '../proto-values.js';
import { hcmFilter, listenerName, socketAddress } from './build-filters.js';

export interface TcpChain {
  readonly name: string;
  readonly filters: readonly ProtoObject[];
  /** SNI names the chain is selected by (TLS on a wildcard listener). */
  readonly serverNames?: readonly string[];
}

interface Entry {
  readonly address: string;
  readonly port: number;
  readonly bindToPort: boolean;
  readonly http: boolean;
  readonly chains: ProtoObject[];
  readonly sni: Set<string>;
  tls: boolean;
}

export function tlsInspectorListenerFilter(): ProtoObject {
  return { name: TLS_INSPECTOR_FILTER, typed_config: emptyAny(TLS_INSPECTOR_TYPE) };
}

export class OutboundListenerSet {
  private readonly entries = new Map<string, Entry>();

  has(address: string, port: number): boolean {
    return this.entries.has(listenerName(address, port));
  }

  /** Claims `address:port` for HTTP routed by RDS `rdsName`; false if already taken. */
  addHttp(address: string, port: number, bindToPort: boolean, rdsName: string): boolean {
    const name = listenerName(address, port);
    if (this.entries.has(name)) return false;
    const filters = [hcmFilter({ statPrefix: `outbound_${name}`, direction: 'outbound', rds: rdsName })];
    this.entries.set(name, {
      address,
      port,
      bindToPort,
      http: true,
      chains: [{ name, filters }],
      sni: new Set(),
      tls: false,
    });
    return true;
  }

  /** Adds a TCP (or SNI-matched TLS) chain on `address:port`; false on a conflict. */
  addTcp(address: string, port: number, bindToPort: boolean, chain: TcpChain): boolean {
    const name = listenerName(address, port);
    const sni = chain.serverNames ?? [];
    const existing = this.entries.get(name);
    if (existing) {
      if (existing.http || sni.length === 0 || !existing.tls) return false;
      if (sni.some((s) => existing.sni.has(s))) return false;
    }
    const entry: Entry = existing ?? {
      address,
      port,
      bindToPort,
      http: false,
      chains: [],
      sni: new Set(),
      tls: sni.length > 0,
    };
    for (const s of sni) entry.sni.add(s);
    const message: ProtoObject = { name: chain.name, filters: [...chain.filters] };
    if (sni.length > 0) message['filter_chain_match'] = { server_names: [...sni] };
    entry.chains.push(message);
    this.entries.set(name, entry);
    return true;
  }

  /** The listeners, sorted by name. */
  listeners(): ProtoObject[] {
    return [...this.entries.keys()].sort().map((name) => {
      const e = this.entries.get(name)!;
      const listener: ProtoObject = { name, address: socketAddress(e.address, e.port) };
      if (!e.bindToPort) listener['bind_to_port'] = { value: false };
      listener['traffic_direction'] = 'OUTBOUND';
      if (e.tls) listener['listener_filters'] = [tlsInspectorListenerFilter()];
      listener['filter_chains'] = e.chains;
      return listener;
    });
  }
}
