import { describe, expect, it } from 'vitest';
import {
  buildProxyStatusRows,
  formatProxyStatusTable,
  proxyDisplayName,
} from '../../../../src/pilot/debug/proxy-status-table.js';
import { buildSyncz } from '../../../../src/pilot/debug/syncz.js';
import { CLUSTER_TYPE } from '../../../../src/xds/type-urls.js';
import { connection, nackingSidecar, typeInfo } from './world.js';

describe('proxy-status table', () => {
  it('shows SYNCED, STALE, ERROR and NOT SENT per type, as istioctl names the proxies', () => {
    const syncz = JSON.parse(
      JSON.stringify(
        buildSyncz([
          nackingSidecar(),
          connection('grpc-client', [typeInfo(CLUSTER_TYPE, { sentNonce: '9' })], 'c2'),
        ]),
      ),
    );
    const rows = buildProxyStatusRows(syncz, '127.0.0.1:15014');
    expect(rows).toEqual([
      {
        name: 'app-1.default',
        cluster: 'Kubernetes',
        cds: 'SYNCED',
        lds: 'SYNCED',
        eds: 'STALE',
        rds: 'ERROR',
        istiod: '127.0.0.1:15014',
        version: 'meshplane',
      },
      {
        name: 'grpc-client',
        cluster: 'Kubernetes',
        cds: 'STALE',
        lds: 'NOT SENT',
        eds: 'NOT SENT',
        rds: 'NOT SENT',
        istiod: '127.0.0.1:15014',
        version: 'meshplane',
      },
    ]);
    const lines = formatProxyStatusTable(rows).split('\n');
    expect(lines[0]).toMatch(/^NAME\s+CLUSTER\s+CDS\s+LDS\s+EDS\s+RDS\s+ISTIOD\s+VERSION$/);
    expect(lines[1]).toMatch(
      /^app-1\.default\s+Kubernetes\s+SYNCED\s+SYNCED\s+STALE\s+ERROR\s+127\.0\.0\.1:15014\s+meshplane$/,
    );
    // Columns line up: every row's CDS starts where the header's does.
    expect(lines[2]!.indexOf('STALE')).toBe(lines[0]!.indexOf('CDS'));
  });

  it('tolerates junk and names non-Istio ids as they are', () => {
    expect(buildProxyStatusRows({ not: 'an array' }, 'x')).toEqual([]);
    expect(buildProxyStatusRows([1, null, { proxy: 3 }], 'x')).toEqual([]);
    expect(proxyDisplayName('router~10.0.0.1~gw-1.istio-system~istio-system.svc.cluster.local')).toBe(
      'gw-1.istio-system',
    );
    expect(formatProxyStatusTable([])).toBe('NAME   CLUSTER   CDS   LDS   EDS   RDS   ISTIOD   VERSION');
  });
});
