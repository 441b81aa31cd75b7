/**
 * Shared pieces of the Consul and Eureka e2e tests: Istio config written into meshplane's config
 * directory, traffic shares counted from a real proxyless gRPC client's calls, and meshplane's
 * registry metrics read from `/metrics`.
 */
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitFor, type XdsClientProcess } from '../../integration/support/harness.js';

/** Writes a config file atomically (write, then rename), as editors do. */
export function writeConfig(dir: string, file: string, text: string): void {
  const tmp = path.join(dir, `.${file}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, path.join(dir, file));
}

export function destinationRule(host: string, subsets: Record<string, Record<string, string>>): string {
  const list = Object.entries(subsets)
    .map(([name, labels]) => `    - name: ${name}\n      labels: ${JSON.stringify(labels)}`)
    .join('\n');
  return `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: registry-e2e, namespace: default }
spec:
  host: ${host}
  subsets:
${list}
`;
}

/** A VirtualService splitting `host` by weight over subsets. */
export function weightedRoute(host: string, weights: Record<string, number>): string {
  const routes = Object.entries(weights)
    .map(
      ([subset, weight]) =>
        `        - destination: { host: ${host}, subset: ${subset} }\n          weight: ${weight}`,
    )
    .join('\n');
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: registry-e2e, namespace: default }
spec:
  hosts: [${host}]
  http:
    - route:
${routes}
`;
}

export function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** Calls whose backend name starts with `prefix`, as a share of all calls. */
export function share(counts: Record<string, number>, prefix: string): number {
  const hits = Object.entries(counts)
    .filter(([k]) => k.startsWith(prefix))
    .reduce((a, [, n]) => a + n, 0);
  return hits / Math.max(1, total(counts));
}

/** Backends (not errors) that answered. */
export function backends(counts: Record<string, number>): string[] {
  return Object.keys(counts)
    .filter((k) => !k.startsWith('error:'))
    .sort();
}

/** Waits until `n` calls all land on exactly `expected` backends (each at least once), and returns the last counts. */
export async function convergeTo(
  client: XdsClientProcess,
  target: string,
  expected: readonly string[],
  n = 40,
  timeoutMs = 30_000,
): Promise<Record<string, number>> {
  let last: Record<string, number> = {};
  try {
    return await waitFor(
      `traffic on exactly ${expected.join(', ')}`,
      async () => {
        last = await client.call(target, n);
        const seen = Object.keys(last).sort();
        return JSON.stringify(seen) === JSON.stringify([...expected].sort()) ? last : undefined;
      },
      timeoutMs,
      200,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last counts ${JSON.stringify(last)}`);
  }
}

/** The value of one sample of meshplane's `/metrics`, or undefined. */
export async function metric(httpPort: number, sample: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  for (const line of text.split('\n')) {
    if (line.startsWith(`${sample} `)) return Number(line.slice(sample.length + 1));
  }
  return undefined;
}
