import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigStore } from '../../../src/galley/config-store.js';
import { DirectorySource } from '../../../src/galley/sources/directory-source.js';
import { ServiceEntryRegistry } from '../../../src/registry/serviceentry/controller.js';
import { silentLogger } from '../../../src/util/log.js';

const EXAMPLES = join(import.meta.dirname, '../../../examples/config');

describe('examples/config', () => {
  it('is valid and gives the helloworld service with v1 and v2 endpoints', async () => {
    const store = new ConfigStore(silentLogger());
    const source = new DirectorySource({ dir: EXAMPLES, store, logger: silentLogger(), watch: false });
    await source.start();
    expect(source.errors()).toEqual([]);
    expect(store.list('VirtualService').map((c) => c.meta.name)).toEqual(['helloworld']);
    expect(store.list('DestinationRule').map((c) => c.meta.name)).toEqual(['helloworld']);

    const registry = new ServiceEntryRegistry(store, { logger: silentLogger() });
    const [svc] = registry.services();
    expect(svc).toMatchObject({
      hostname: 'helloworld.default.svc.cluster.local',
      namespace: 'default',
      resolution: 'STATIC',
      meshExternal: false,
      ports: [{ name: 'grpc', port: 50051, protocol: 'GRPC' }],
    });
    expect(registry.endpoints(svc!).map((e) => `${e.address}:${e.port} ${e.labels.version}`)).toEqual([
      '127.0.0.1:50061 v1',
      '127.0.0.1:50062 v2',
    ]);
  });
});
