/**
 * Pilot's side of one MCP delta response: decode each envelope, validate it with Galley's own
 * validator, apply what is good to Pilot's local ConfigStore (Istio kinds) or core objects
 * (Kubernetes kinds), and say whether to ACK or NACK. No gRPC here, so the logic is unit-tested
 * on plain messages.
 *
 * - A bad resource is rejected with a NACK whose `error_detail` names the collection, the
 *   resource and the field path; its last good version stays applied (the previous one, or none),
 *   and the good resources of the same response are applied, as gRFC A46 has xDS clients do.
 * - `initialVersions()` reports only what was accepted, so after a reconnect Galley sends back
 *   what changed, what was removed, and anything this client had rejected (which it rejects again).
 * - A resource whose version equals the one held is skipped, and the ConfigStore ignores no-op
 *   writes, so a reconnect that brings no change writes nothing and triggers no push to proxies.
 */
import type { ConfigId, ConfigStore } from '../galley/config-store.js';
import { validateObject } from '../galley/validation/validate.js';
import type { Config } from '../model/config.js';
import type { DeltaDiscoveryResponse } from '../xds/ads-messages.js';
import { collectionOf, splitResourceName, type Collection, type McpCoreKind } from './collections.js';
import { decodeEnvelope } from './codec.js';
import { checkEnvelope, envelopeToCoreObject, envelopeToIstioDocument, type CoreObject } from './envelope.js';

/** `ConfigStore.meta.source` of configs received over MCP. */
export const MCP_SOURCE = 'mcp';

/** Where core objects go (Pilot's `KubeCoreObjects`, read by the Kubernetes registry). */
export interface CoreObjectsSink {
  get(kind: McpCoreKind, namespace: string, name: string): CoreObject | undefined;
  apply(kind: McpCoreKind, upserts: readonly CoreObject[], deletes: readonly CoreObject[]): void;
}

export interface McpApplierOptions {
  readonly store: ConfigStore;
  readonly core?: CoreObjectsSink;
}

export interface RejectedResource {
  readonly name: string;
  readonly path: string;
  readonly message: string;
}

export interface ApplyOutcome {
  readonly typeUrl: string;
  /** Resources added or changed (accepted), and removals applied. */
  readonly applied: number;
  readonly removed: number;
  /** Received with the version already held: nothing to do. */
  readonly unchanged: number;
  readonly rejected: readonly RejectedResource[];
  /** Set when the response must be NACKed: the `error_detail.message`. */
  readonly error?: string;
}

/** At most this many problems are quoted in one NACK (the count says how many there were). */
const MAX_QUOTED = 10;

export class McpApplier {
  /** Collection → resource name → accepted version. */
  private readonly held = new Map<string, Map<string, string>>();

  constructor(private readonly options: McpApplierOptions) {}

  /** What to send as `initial_resource_versions` when (re)subscribing to `typeUrl`. */
  initialVersions(typeUrl: string): Record<string, string> {
    return Object.fromEntries([...(this.held.get(typeUrl) ?? new Map<string, string>())].sort());
  }

  /** Resources accepted per collection (debug). */
  heldCount(typeUrl: string): number {
    return this.held.get(typeUrl)?.size ?? 0;
  }

  handle(response: DeltaDiscoveryResponse): ApplyOutcome {
    const typeUrl = response.type_url ?? '';
    const collection = collectionOf(typeUrl);
    if (!collection) {
      const error = `unknown MCP collection ${JSON.stringify(typeUrl)}`;
      return { typeUrl, applied: 0, removed: 0, unchanged: 0, rejected: [], error };
    }
    let held = this.held.get(typeUrl);
    if (!held) this.held.set(typeUrl, (held = new Map()));
    const rejected: RejectedResource[] = [];
    const configs: Config[] = [];
    const objects: CoreObject[] = [];
    const versions = new Map<string, string>();
    let unchanged = 0;
    for (const r of response.resources ?? []) {
      const name = r.name ?? '';
      const version = r.version ?? '';
      if (held.get(name) === version && version !== '') {
        unchanged++;
        continue;
      }
      const problem = (path: string, message: string): void => {
        rejected.push({ name, path, message });
      };
      const decoded = decodeEnvelope(r.resource?.value ?? new Uint8Array());
      if (!decoded.ok) {
        problem(decoded.path, decoded.error);
        continue;
      }
      const env = decoded.envelope;
      if (env.name !== name) {
        problem(
          'metadata.name',
          `envelope names ${JSON.stringify(env.name)}, resource is ${JSON.stringify(name)}`,
        );
        continue;
      }
      const bad = checkEnvelope(collection, env);
      if (bad) {
        problem(bad.path, bad.message);
        continue;
      }
      if (collection.category === 'istio') {
        const result = validateObject(envelopeToIstioDocument(collection, env), MCP_SOURCE);
        if (!result.ok) {
          for (const e of result.errors) problem(e.path, e.message);
          continue;
        }
        configs.push(result.value);
      } else {
        if (!this.options.core) continue;
        objects.push(envelopeToCoreObject(collection, env));
      }
      versions.set(name, version);
    }
    // A name both sent and removed in one response cannot happen; if it did, the resource wins.
    const removedNames = (response.removed_resources ?? []).filter((n) => !versions.has(n));
    const removedHeld = removedNames.filter((n) => held.has(n)).length;
    this.apply(collection, configs, objects, removedNames);
    for (const [name, version] of versions) held.set(name, version);
    for (const name of removedNames) held.delete(name);
    return {
      typeUrl,
      applied: versions.size,
      removed: removedHeld,
      unchanged,
      rejected,
      ...(rejected.length > 0 ? { error: nackMessage(typeUrl, rejected) } : {}),
    };
  }

  private apply(
    collection: Collection,
    configs: readonly Config[],
    objects: readonly CoreObject[],
    removed: readonly string[],
  ): void {
    if (collection.category === 'istio') {
      const deletes: ConfigId[] = removed.map((n) => ({ kind: collection.kind, ...splitResourceName(n) }));
      if (configs.length > 0 || deletes.length > 0)
        this.options.store.applyBatch({ upserts: configs, deletes });
      return;
    }
    const core = this.options.core;
    if (!core) return;
    const gone: CoreObject[] = [];
    for (const n of removed) {
      const { namespace, name } = splitResourceName(n);
      const obj = core.get(collection.kind, namespace, name);
      if (obj) gone.push(obj);
    }
    if (objects.length > 0 || gone.length > 0) core.apply(collection.kind, objects, gone);
  }
}

/**
 * `networking.istio.io/v1alpha3/VirtualService: rejected 1 of the resources received:
 * default/reviews: spec.http[0].route[0].weight: weight -5 must be >= 0`
 */
export function nackMessage(typeUrl: string, rejected: readonly RejectedResource[]): string {
  const names = new Set(rejected.map((r) => r.name));
  const quoted = rejected
    .slice(0, MAX_QUOTED)
    .map((r) => (r.path ? `${r.name}: ${r.path}: ${r.message}` : `${r.name}: ${r.message}`));
  const more = rejected.length > MAX_QUOTED ? `; and ${rejected.length - MAX_QUOTED} more` : '';
  return `${typeUrl}: rejected ${names.size} resource(s), keeping the last good version: ${quoted.join('; ')}${more}`;
}
