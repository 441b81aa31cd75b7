/**
 * The load generator's gRPC transport (h2-call.ts) against a real @grpc/grpc-js server: messages
 * both ways, a refused connection retried until the server is up (waitForReady), and the
 * grpc-status of a failed call reported once.
 */
import * as grpc from '@grpc/grpc-js';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { H2Call } from './h2-call.js';
import { rawBidiMethod } from './raw-method.js';

const ECHO = '/bench.Test/Echo';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Echoes every message back, prefixed with "echo:". */
async function startServer(port: number): Promise<grpc.Server> {
  const server = new grpc.Server();
  server.addService(
    {
      Echo: rawBidiMethod(ECHO),
    },
    {
      Echo: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
        call.on('data', (m: Buffer) => call.write(Buffer.concat([Buffer.from('echo:'), m])));
        call.on('end', () => call.end());
      },
    },
  );
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  return server;
}

function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (check()) resolve();
      else if (Date.now() > deadline) reject(new Error('timed out'));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

const servers: grpc.Server[] = [];
const calls: H2Call[] = [];
afterEach(() => {
  for (const c of calls.splice(0)) c.cancel();
  for (const s of servers.splice(0)) s.forceShutdown();
});

function open(port: number, path: string, seen: Buffer[], closed: Error[]): H2Call {
  const call = new H2Call({
    target: `127.0.0.1:${port}`,
    path,
    waitForReady: true,
    candidates: (len) => seen.filter((m) => m.length === len),
    onMessage: (m) => seen.push(m),
    onClose: (err) => closed.push(err),
  });
  calls.push(call);
  return call;
}

describe('H2Call (bench client transport)', () => {
  it('exchanges messages, including one larger than an HTTP/2 frame, and repeats one without copying', async () => {
    const port = await freePort();
    servers.push(await startServer(port));
    const seen: Buffer[] = [];
    const call = open(port, ECHO, seen, []);
    const big = Buffer.alloc(100_000, 7);
    call.write(Buffer.from('hello'));
    call.write(big);
    call.write(big);
    await until(() => seen.length === 3);
    expect(seen[0]!.toString()).toBe('echo:hello');
    expect(seen[1]!.length).toBe(big.length + 5);
    expect(seen[1]!.subarray(5).equals(big)).toBe(true);
    // The second echo matched the first byte for byte: the reader handed over the same buffer.
    expect(seen[2]).toBe(seen[1]);
  });

  it('waits for a server that is not up yet and sends what was written meanwhile', async () => {
    const port = await freePort();
    const seen: Buffer[] = [];
    const closed: Error[] = [];
    const call = open(port, ECHO, seen, closed);
    call.write(Buffer.from('early'));
    await new Promise((r) => setTimeout(r, 300)); // a few refused attempts
    servers.push(await startServer(port));
    await until(() => seen.length === 1);
    expect(seen[0]!.toString()).toBe('echo:early');
    expect(closed).toEqual([]);
  });

  it('reports the grpc-status of a call the server refuses, once', async () => {
    const port = await freePort();
    servers.push(await startServer(port));
    const closed: Error[] = [];
    const call = open(port, '/bench.Test/Missing', [], closed);
    call.write(Buffer.from('x'));
    await until(() => closed.length > 0);
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).toHaveLength(1);
    expect(closed[0]!.message).toMatch(/grpc-status 12/);
  });
});
