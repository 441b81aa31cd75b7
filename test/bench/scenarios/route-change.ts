/**
 * Route change: one VirtualService's header match changes. Every client watches its route config
 * (proxyless `outbound|PORT||HOST`), so every client must receive the new RouteConfiguration.
 * Target (issue 3): p99 ≤ the debounce quiet period + 1.25× the floor.
 */
import { changeRoute, watchedServices } from '../config-gen.js';
import type { ChangeScenario } from './context.js';

export const routeChange: ChangeScenario = {
  name: 'route-change',
  plan: (ctx, rev) => changeRoute(ctx.spec, (rev * 7919) % watchedServices(ctx.spec), rev),
  targets: (ctx, conv, floorP99) => {
    if (floorP99 === undefined) return [];
    const limit = ctx.debounceMs + 1.25 * floorP99;
    return [
      { description: 'p99 ≤ debounce + 1.25 × floor p99', limit, value: conv.p99, pass: conv.p99 <= limit },
    ];
  },
};
