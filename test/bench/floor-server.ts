/**
 * The floor: the least any ADS server on @grpc/grpc-js could do for a push. A trivial server, in
 * its own process, that accepts the same ADS method and, on command, writes one pre-encoded
 * DiscoveryResponse of a given size to every open stream, with no generation, no per-stream
 * state and no flow control of its own. Its delivery p99 over the same N streams is what the
 * bench's targets are relative to (issue 3: p99 within 1.25× of the floor).
 *
 * IPC: `{op: 'count'}` → `{op: 'count', streams}`; `{op: 'broadcast', nonce, size}` →
 * `{op: 'sent', t0, writeMs}` with `t0` the wall-clock ms (protocol.ts `nowMs`) before the first write.
 */
import * as grpc from '@grpc/grpc-js';
import { ADS_SERVICE, EDS, nowMs } from './protocol.js';
import { rawBidiMethod } from './raw-method.js';
import { lenField, message } from './wire.js';

type FloorCommand = { op: 'count' } | { op: 'broadcast'; nonce: string; size: number } | { op: 'stop' };

const streams = new Set<grpc.ServerDuplexStream<Buffer, Buffer>>();

/** A DiscoveryResponse of about `size` bytes: one Any whose value is padding. */
function floorMessage(nonce: string, size: number): Buffer {
  const build = (pad: number): Buffer =>
    message(
      lenField(1, nonce),
      lenField(2, message(lenField(1, EDS), lenField(2, Buffer.alloc(pad, 0x61)))),
      lenField(4, EDS),
      lenField(5, nonce),
    );
  let pad = Math.max(0, size - 200);
  for (let i = 0; i < 4; i++) {
    const over = build(pad).length - size;
    if (over === 0) break;
    pad = Math.max(0, pad - over);
  }
  return build(pad);
}

function serve(port: number): Promise<number> {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': -1 });
  const method = (kind: string): grpc.MethodDefinition<Buffer, Buffer> =>
    rawBidiMethod(`${ADS_SERVICE}/${kind}`);
  const handler = (call: grpc.ServerDuplexStream<Buffer, Buffer>): void => {
    call.once('data', () => streams.add(call));
    call.on('data', () => undefined); // drain ACKs
    const drop = (): void => {
      streams.delete(call);
    };
    call.on('cancelled', drop);
    call.on('error', drop);
    call.on('end', () => {
      drop();
      call.end();
    });
  };
  server.addService(
    {
      StreamAggregatedResources: method('StreamAggregatedResources'),
      DeltaAggregatedResources: method('DeltaAggregatedResources'),
    },
    { StreamAggregatedResources: handler, DeltaAggregatedResources: handler },
  );
  return new Promise((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
}

async function main(): Promise<void> {
  const port = await serve(Number(process.argv[2] ?? 0));
  process.on('message', (raw) => {
    const cmd = raw as FloorCommand;
    if (cmd.op === 'count') process.send?.({ op: 'count', streams: streams.size });
    else if (cmd.op === 'broadcast') {
      const buf = floorMessage(cmd.nonce, cmd.size);
      const t0 = nowMs();
      for (const call of streams) call.write(buf);
      process.send?.({ op: 'sent', t0, writeMs: nowMs() - t0, bytes: buf.length });
    } else if (cmd.op === 'stop') process.exit(0);
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ op: 'listening', port });
}

if (process.send) void main();
