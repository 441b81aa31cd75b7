/**
 * A TCP pass-through on 127.0.0.1 that the test can shut and open, in front of a registry peer.
 * The peer itself is really killed and restarted; the gate only decides when meshplane sees it
 * back, so a restarted registry is shown to meshplane once its instances have registered again
 * (as a registry restored from a snapshot, or a replica that caught up, would be) rather than
 * during the moment it is empty.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { freePort } from '../../integration/support/harness.js';

export class GateProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly port: number,
    private readonly targetPort: number,
  ) {}

  static async start(targetPort: number): Promise<GateProxy> {
    const gate = new GateProxy(await freePort(), targetPort);
    await gate.open();
    return gate;
  }

  async open(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = createConnection({ host: '127.0.0.1', port: this.targetPort });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  /** Refuses new connections and resets open ones. */
  async shut(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
