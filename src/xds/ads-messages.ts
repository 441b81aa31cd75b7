/**
 * The ADS wire messages as @grpc/proto-loader hands them to us and takes them back
 * (`keepCase: true, longs: String, enums: String, defaults: false, oneofs: true`): snake_case
 * fields, absent fields undefined. Mirrors envoy/service/discovery/v3/discovery.proto.
 */

/** `google.protobuf.Any` with pre-encoded bytes: proto-loader writes `value` through unchanged. */
export interface AnyMessage {
  type_url: string;
  value: Uint8Array;
}

/** `google.rpc.Status` carried by a NACK. */
export interface StatusMessage {
  code?: number;
  message?: string;
}

/** `google.protobuf.Struct` as decoded (protobufjs' bundled struct.proto uses camelCase fields). */
export interface StructMessage {
  fields?: Record<string, ValueMessage>;
}

export interface ValueMessage {
  kind?: string;
  nullValue?: string | number;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: StructMessage;
  listValue?: { values?: ValueMessage[] };
  // snake_case spellings, should a caller build a Struct by hand.
  null_value?: string | number;
  number_value?: number;
  string_value?: string;
  bool_value?: boolean;
  struct_value?: StructMessage;
  list_value?: { values?: ValueMessage[] };
}

/** `envoy.config.core.v3.Node` (only the fields meshplane reads). */
export interface NodeMessage {
  id?: string;
  cluster?: string;
  metadata?: StructMessage | null;
  locality?: { region?: string; zone?: string; sub_zone?: string } | null;
  user_agent_name?: string;
  client_features?: string[];
}

/**
 * A request's name list as the server's decoder hands it over (request-decoder.ts): the names
 * other than `*` as an interned Set (name-sets.ts), whether `*` was listed, and how many entries
 * the list had.
 */
export interface NameList {
  readonly names: ReadonlySet<string>;
  readonly wildcard: boolean;
  readonly count: number;
}

/** A name list resolved on demand (request-decoder.ts); `hint`: the names the stream has now. */
export interface NameSource {
  readonly count: number;
  resolve(hint?: ReadonlySet<string>): NameList;
}

export interface DiscoveryRequest {
  version_info?: string;
  node?: NodeMessage | null;
  resource_names?: string[];
  /** `resource_names`, interned on demand, when decoded by the server (request-decoder.ts). */
  resource_names_source?: NameSource;
  type_url?: string;
  response_nonce?: string;
  error_detail?: StatusMessage | null;
}

export interface DiscoveryResponse {
  version_info: string;
  resources: AnyMessage[];
  type_url: string;
  nonce: string;
}

export interface DeltaDiscoveryRequest {
  node?: NodeMessage | null;
  type_url?: string;
  resource_names_subscribe?: string[];
  resource_names_unsubscribe?: string[];
  /** The two lists, interned, when decoded by the server (request-decoder.ts). */
  subscribe_list?: NameList;
  unsubscribe_list?: NameList;
  initial_resource_versions?: Record<string, string>;
  response_nonce?: string;
  error_detail?: StatusMessage | null;
}

/** `envoy.service.discovery.v3.Resource`: the delta envelope with a per-resource version. */
export interface ResourceMessage {
  name: string;
  version: string;
  resource: AnyMessage;
}

export interface DeltaDiscoveryResponse {
  system_version_info: string;
  resources: ResourceMessage[];
  type_url: string;
  removed_resources: string[];
  nonce: string;
}
