/**
 * The two Kubernetes API calls an informer needs, list and watch of a collection path, over
 * node:https with the credentials of a `@kubernetes/client-node` KubeConfig (CA, client cert,
 * bearer token, exec/OIDC plugins: `applyToHTTPSOptions` re-reads them on each call, so rotated
 * ServiceAccount tokens are picked up).
 *
 * Why not client-node's ListWatch: it stops for good on the first error, relists by replaying
 * every object as an add/update (a push storm after each API server restart), and its Watch has
 * no inactivity timeout. The informer in `kube-informer.ts` needs a plain list and a plain
 * line-delimited watch stream; that is all this module does.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { createInterface } from 'node:readline';
import type { KubeConfig } from '@kubernetes/client-node';

/** The parts of a Kubernetes object every informer reads. */
export interface KubeObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly resourceVersion?: string;
    readonly uid?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly creationTimestamp?: string;
    readonly generation?: number;
    readonly deletionTimestamp?: string;
  };
  readonly [field: string]: unknown;
}

/** A non-2xx answer (or a watch ERROR event) with its HTTP status code. */
export class KubeStatusError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'KubeStatusError';
  }
}

export interface KubeList<T extends KubeObject> {
  readonly items: readonly T[];
  readonly resourceVersion: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T extends KubeObject> {
  readonly type: WatchEventType;
  readonly object: T;
}

export interface WatchHandle {
  /** Resolves when the stream ends: `undefined` on a normal end, the error otherwise. */
  readonly done: Promise<Error | undefined>;
  abort(): void;
}

export interface KubeHttpOptions {
  /** Timeout of a list request and of connecting a watch (default 30 s). */
  readonly requestTimeoutMs?: number;
  /** A watch with no bytes (not even a bookmark) for this long is considered dead (default 5 min). */
  readonly idleTimeoutMs?: number;
}

export class KubeHttp {
  private readonly server: URL;
  private readonly requestTimeoutMs: number;
  private readonly idleTimeoutMs: number;

  constructor(
    private readonly kc: KubeConfig,
    options: KubeHttpOptions = {},
  ) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 300_000;
  }

  private url(path: string, params: Readonly<Record<string, string>>): URL {
    const base = this.server.pathname.replace(/\/$/, '');
    const url = new URL(`${base}${path}`, this.server);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url;
  }

  private async open(url: URL, timeoutMs: number): Promise<IncomingMessage> {
    const opts: RequestOptions = { headers: { accept: 'application/json' } };
    await this.kc.applyToHTTPSOptions(opts);
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { ...opts, method: 'GET', timeout: timeoutMs }, resolve);
      req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: GET ${url.pathname}`)));
      req.on('error', reject);
      req.end();
    });
  }

  /**
   * One request, with an optional body of `contentType` (JSON by default); resolves to the status
   * code and body text whatever the code (callers decide what an answer means).
   */
  async request(
    method: string,
    path: string,
    body?: string,
    contentType = 'application/json',
  ): Promise<{ code: number; body: string }> {
    const url = this.url(path, {});
    const opts: RequestOptions = {
      headers: {
        accept: 'application/json',
        ...(body !== undefined
          ? { 'content-type': contentType, 'content-length': Buffer.byteLength(body) }
          : {}),
      },
    };
    await this.kc.applyToHTTPSOptions(opts);
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const timeout = this.requestTimeoutMs;
    return new Promise((resolve, reject) => {
      const req = send(url, { ...opts, method, timeout }, (res: IncomingMessage) => {
        readBody(res).then((text) => resolve({ code: res.statusCode ?? 0, body: text }), reject);
      });
      req.on('timeout', () => req.destroy(new Error(`timeout after ${timeout} ms: ${method} ${path}`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** GET a collection (all pages); throws {@link KubeStatusError} on a non-200 answer. */
  async list<T extends KubeObject>(
    path: string,
    params: Readonly<Record<string, string>> = {},
  ): Promise<KubeList<T>> {
    const items: T[] = [];
    let resourceVersion = '';
    let cont = '';
    do {
      const res = await this.open(
        this.url(path, { ...params, limit: '500', ...(cont ? { continue: cont } : {}) }),
        this.requestTimeoutMs,
      );
      const body = await readBody(res);
      if (res.statusCode !== 200) throw statusError(res.statusCode ?? 0, body, `list ${path}`);
      const parsed = JSON.parse(body) as {
        items?: T[];
        metadata?: { resourceVersion?: string; continue?: string };
      };
      items.push(...(parsed.items ?? []));
      resourceVersion = parsed.metadata?.resourceVersion ?? '';
      cont = parsed.metadata?.continue ?? '';
    } while (cont);
    return { items, resourceVersion };
  }

  /**
   * Opens a watch from `resourceVersion` (with bookmarks and a server-side timeout) and calls
   * `onEvent` for each event line. A watch ERROR event ends the stream with a KubeStatusError.
   */
  async watch<T extends KubeObject>(
    path: string,
    params: Readonly<Record<string, string>>,
    onEvent: (event: WatchEvent<T>) => void,
  ): Promise<WatchHandle> {
    const url = this.url(path, { ...params, watch: 'true', allowWatchBookmarks: 'true' });
    const res = await this.open(url, this.requestTimeoutMs);
    if (res.statusCode !== 200) throw statusError(res.statusCode ?? 0, await readBody(res), `watch ${path}`);
    let settle: (err: Error | undefined) => void = () => undefined;
    const done = new Promise<Error | undefined>((resolve) => (settle = resolve));
    let finished = false;
    const finish = (err: Error | undefined): void => {
      if (finished) return;
      finished = true;
      res.destroy();
      settle(err);
    };
    res.socket.setTimeout(this.idleTimeoutMs, () =>
      finish(new Error(`watch ${path} idle for ${this.idleTimeoutMs} ms`)),
    );
    res.on('error', (err) => finish(err));
    res.on('close', () => finish(res.complete ? undefined : new Error(`watch ${path}: connection closed`)));
    const lines = createInterface({ input: res });
    // readline re-emits the stream's errors (`aborted` when the server goes away).
    lines.on('error', (err) => finish(err));
    lines.on('line', (line) => {
      if (finished || line.trim() === '') return;
      let event: WatchEvent<T>;
      try {
        event = JSON.parse(line) as WatchEvent<T>;
      } catch {
        finish(new Error(`watch ${path}: malformed event`));
        return;
      }
      if (event.type === 'ERROR') {
        const status = event.object as unknown as { code?: number; message?: string };
        finish(new KubeStatusError(status.code ?? 500, status.message ?? `watch ${path} failed`));
        return;
      }
      onEvent(event);
    });
    lines.on('close', () => finish(undefined));
    return { done, abort: () => finish(undefined) };
  }
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (body += chunk));
    res.on('end', () => resolve(body));
    res.on('error', reject);
  });
}

/** A {@link KubeStatusError} carrying the API server's Status message when there is one. */
export function statusError(code: number, body: string, what: string): KubeStatusError {
  let message = body.slice(0, 500);
  try {
    const status = JSON.parse(body) as { message?: string };
    if (status.message) message = status.message;
  } catch {
    // Not a Status object: keep the raw text.
  }
  return new KubeStatusError(code, `${what}: ${code} ${message}`);
}
