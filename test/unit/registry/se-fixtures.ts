import type { Config } from '../../../src/model/config.js';
import type { ServiceEntrySpec, WorkloadEntrySpec } from '../../../src/model/istio/index.js';

export function serviceEntry(
  name: string,
  spec: ServiceEntrySpec,
  opts: { namespace?: string; labels?: Record<string, string>; created?: string } = {},
): Config<ServiceEntrySpec> {
  return {
    meta: {
      kind: 'ServiceEntry',
      apiVersion: 'networking.istio.io/v1',
      name,
      namespace: opts.namespace ?? 'default',
      labels: opts.labels ?? {},
      annotations: {},
      resourceVersion: '1',
      ...(opts.created ? { creationTimestamp: opts.created } : {}),
    },
    spec,
  };
}

export function workloadEntry(
  name: string,
  spec: WorkloadEntrySpec,
  opts: { namespace?: string } = {},
): Config<WorkloadEntrySpec> {
  return {
    meta: {
      kind: 'WorkloadEntry',
      apiVersion: 'networking.istio.io/v1',
      name,
      namespace: opts.namespace ?? 'default',
      labels: {},
      annotations: {},
      resourceVersion: '1',
    },
    spec,
  };
}
