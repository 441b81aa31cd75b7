/**
 * Endpoint churn: one endpoint of one ServiceEntry moves to a new address. Every client watches
 * that EDS name, so every client must receive the new ClusterLoadAssignment. Target (issue 3):
 * p99 within 1.25× the floor, since an endpoint change takes the fast path and is not held by
 * the debounce quiet period.
 */
import { changeEndpoint, watchedServices } from '../config-gen.js';
import type { ChangeScenario } from './context.js';

export const endpointChurn: ChangeScenario = {
  name: 'endpoint-churn',
  plan: (ctx, rev) => changeEndpoint(ctx.spec, (rev * 7919) % watchedServices(ctx.spec), rev),
  targets: (_ctx, conv, floorP99) =>
    floorP99 === undefined
      ? []
      : [
          {
            description: 'p99 ≤ 1.25 × floor p99',
            limit: 1.25 * floorP99,
            value: conv.p99,
            pass: conv.p99 <= 1.25 * floorP99,
          },
        ],
};
