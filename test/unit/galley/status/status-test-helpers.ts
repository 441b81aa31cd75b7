/**
 * Small helpers shared by the status tests: polling for an asynchronous write, a sample error, a
 * sample rejected VirtualService.
 */
import type { ObjectRejections } from '../../../../src/galley/status/reconciled-status.js';
import type { ConfigError } from '../../../../src/galley/validation/result.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every 5 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function until(what: string, probe: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A validation error on a VirtualService route weight, as the Kubernetes source reports it. */
export const WEIGHT: ConfigError = {
  source: 'kubernetes',
  path: 'spec.http[0].route[0].weight',
  message: 'bad weight',
};

/** VirtualService `name` whose route config proxy `proxy` rejected. */
export const rejectedBy = (name: string, proxy: string): ObjectRejections => ({
  kind: 'VirtualService',
  namespace: 'default',
  name,
  proxies: [{ proxy, type: 'RDS', resources: ['9080'], error: 'bad route' }],
});
