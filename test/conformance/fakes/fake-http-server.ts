/**
 * An HTTP server on 127.0.0.1 that can go down (connection refused, in-flight requests reset) and
 * come back on the same port: what a registry agent's crash and restart look like to a client.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type Handler = (req: IncomingMessage, url: URL, res: ServerResponse) => void | Promise<void>;

export class FakeHttpServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;
  /** Every request's path and query, in order. */
  readonly requests: string[] = [];
  /** Every request's headers, in order. */
  readonly requestHeaders: Array<Record<string, string | string[] | undefined>> = [];

  constructor(private readonly handler: Handler) {}

  async start(port = this.port): Promise<number> {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      this.requests.push(`${url.pathname}${url.search}`);
      this.requestHeaders.push(req.headers);
      void Promise.resolve(this.handler(req, url, res)).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(err));
      });
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : 0;
    return this.port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get up(): boolean {
    return this.server !== undefined;
  }

  /** Stops listening and resets every open connection (a crashed agent). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export function sendJson(res: ServerResponse, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', ...headers });
  res.end(text);
}
