/**
 * Service added: a new ServiceEntry file appears. Every client (wildcard CDS and LDS) must get
 * the new cluster and listener, subscribe to their EDS and RDS names, and get those too; the
 * convergence time is when the last of the four arrived. No target in issue 3.
 */
import { addService } from '../config-gen.js';
import type { ChangeScenario } from './context.js';

export const serviceAdded: ChangeScenario = {
  name: 'service-added',
  plan: (ctx, rev) => addService(ctx.spec, rev),
  targets: () => [],
};
