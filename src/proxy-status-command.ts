/**
 * `meshplane proxy-status [--server URL]`: asks a running meshplane's monitoring address for
 * `/debug/syncz` and prints `istioctl proxy-status`'s table. Exit 0 on an answer, 1 when the
 * server cannot be reached or answers with something else.
 */
import { buildProxyStatusRows, formatProxyStatusTable } from './pilot/debug/proxy-status-table.js';

export async function runProxyStatus(
  server: string,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const base = server.replace(/\/+$/, '');
  let body: unknown;
  try {
    const res = await fetch(`${base}/debug/syncz`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) {
      err(`proxy-status: ${base}/debug/syncz answered ${res.status}`);
      return 1;
    }
    body = await res.json();
  } catch (e) {
    err(`proxy-status: cannot reach ${base}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  if (!Array.isArray(body)) {
    err(`proxy-status: ${base}/debug/syncz is not a syncz document`);
    return 1;
  }
  out(formatProxyStatusTable(buildProxyStatusRows(body, new URL(base).host)));
  return 0;
}
