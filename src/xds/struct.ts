/**
 * `google.protobuf.Struct` to plain JSON, so node metadata reads as Istio writes it
 * (`GENERATOR`, `NAMESPACE`, `LABELS: {app: ...}`). Pure; accepts both field spellings.
 */
import type { NodeLike } from '../model/proxy.js';
import type { NodeMessage, StructMessage, ValueMessage } from './ads-messages.js';

export function structToJson(struct: StructMessage | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(struct?.fields ?? {})) out[key] = valueToJson(value);
  return out;
}

export function valueToJson(value: ValueMessage | null | undefined): unknown {
  if (!value) return null;
  const str = value.stringValue ?? value.string_value;
  if (str !== undefined) return str;
  const num = value.numberValue ?? value.number_value;
  if (num !== undefined) return num;
  const bool = value.boolValue ?? value.bool_value;
  if (bool !== undefined) return bool;
  const struct = value.structValue ?? value.struct_value;
  if (struct !== undefined) return structToJson(struct);
  const list = value.listValue ?? value.list_value;
  if (list !== undefined) return (list.values ?? []).map(valueToJson);
  return null;
}

/** The decoded `Node` as `parseProxy` takes it: metadata as plain JSON. */
export function nodeFromMessage(node: NodeMessage | null | undefined): NodeLike | undefined {
  if (!node) return undefined;
  return {
    id: node.id,
    cluster: node.cluster,
    metadata: structToJson(node.metadata),
    locality: node.locality ?? null,
  };
}
