/**
 * Read side of a config store, as generators and registries see it. The writable, watchable
 * implementation lives in src/galley/config-store.ts.
 */
import type { Config, IstioKind } from './config.js';

export interface ConfigStoreView {
  /** All configs of a kind, sorted by namespace then name (determinism). */
  list(kind: IstioKind): readonly Config[];
  get(kind: IstioKind, namespace: string, name: string): Config | undefined;
}

export type ConfigEventType = 'add' | 'update' | 'delete';

export interface ConfigEvent {
  readonly type: ConfigEventType;
  readonly config: Config;
  readonly previous?: Config;
}
