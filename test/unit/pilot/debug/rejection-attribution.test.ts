/**
 * NACK attribution for wildcard CDS without regenerating per proxy: names quoted in the error
 * are used as they are; only an error naming nothing regenerates, once per proxy shape.
 */
import { describe, expect, it } from 'vitest';
import { currentRejections } from '../../../../src/pilot/debug/pilot-debug-views.js';
import {
  buildRejectedConfigs,
  clusterNamesIn,
  pushContextLookup,
} from '../../../../src/pilot/debug/rejected-configs.js';
import { buildGeneratorMap } from '../../../../src/pilot/generators/index.js';
import type { Generator, GeneratorMap } from '../../../../src/pilot/generators/types.js';
import type { ConnectionInfo } from '../../../../src/xds/connection-types.js';
import { CLUSTER_TYPE } from '../../../../src/xds/type-urls.js';
import { proxyFromNode } from '../../../golden/pilot-harness.js';
import { connection, mesh, typeInfo } from './world.js';

const nackingCds = (i: number, error: string): ConnectionInfo => {
  const id = `sidecar~10.0.3.${i}~app-${i}.default~default.svc.cluster.local`;
  return {
    ...connection(
      id,
      [typeInfo(CLUSTER_TYPE, { sentNonce: '1', lastNackNonce: '1', lastNackError: error })],
      `c${i}`,
    ),
    proxy: proxyFromNode({ id, metadata: { LABELS: { app: 'productpage' } } }),
  };
};

describe('wildcard NACK attribution', () => {
  it('finds outbound cluster names in an error, whatever surrounds them', () => {
    expect(
      clusterNamesIn(
        'Error adding/updating cluster(s) outbound|9080|v1|reviews.default.svc.cluster.local: bad; ' +
          "'outbound|80||a.b' and inbound|80|| and 9080",
      ),
    ).toEqual(['outbound|80||a.b', 'outbound|9080|v1|reviews.default.svc.cluster.local']);
    expect(clusterNamesIn('nothing here')).toEqual([]);
  });

  it('uses the names an error quotes without generating anything', () => {
    const { push } = mesh();
    let generated = 0;
    const out = buildRejectedConfigs(
      [nackingCds(1, 'cluster outbound|9080|v1|reviews.default.svc.cluster.local: bad lb policy')],
      pushContextLookup(push),
      () => {
        generated++;
        return [];
      },
    );
    expect(generated).toBe(0);
    expect(out.map((r) => `${r.kind}/${r.name}`)).toEqual(['DestinationRule/reviews-dr']);
  });

  it('regenerates once per proxy shape when the error names nothing', () => {
    const world = mesh();
    const real = buildGeneratorMap();
    let cdsRuns = 0;
    const cds = real.get(CLUSTER_TYPE)!;
    const counting: Generator = {
      ...cds,
      generate: (input) => {
        cdsRuns++;
        return cds.generate(input);
      },
    };
    const generators: GeneratorMap = new Map([...real, [CLUSTER_TYPE, counting]]);
    const conns = [1, 2, 3, 4].map((i) => nackingCds(i, 'Proto constraint validation failed'));
    const out = currentRejections({ connections: () => conns, pushContext: () => world.push, generators });
    expect(cdsRuns).toBe(1);
    // Every outbound cluster is suspect: the DestinationRule of reviews is among them.
    const dr = out.find((r) => r.kind === 'DestinationRule');
    expect(dr?.name).toBe('reviews-dr');
    expect(dr?.proxies).toHaveLength(4);
  });
});
