/**
 * Child process running a real @grpc/grpc-js-xds client (it reads its bootstrap once per process,
 * hence one process per client). The parent sends `{id, op: 'call', target, count, metadata}` over
 * IPC and receives `{id, counts: {backend|error-code: n}}`.
 */
import * as grpc from '@grpc/grpc-js';
import * as xds from '@grpc/grpc-js-xds';
import { EchoClient, type WhoamiReply } from '../../../examples/echo-service.js';

xds.register();

interface CallRequest {
  id: number;
  op: 'call';
  target: string;
  count: number;
  metadata?: Record<string, string>;
  deadlineMs?: number;
}

const clients = new Map<string, grpc.Client>();

function client(target: string): grpc.Client {
  let c = clients.get(target);
  if (!c) {
    c = new EchoClient(target, grpc.credentials.createInsecure());
    clients.set(target, c);
  }
  return c;
}

function callOnce(req: CallRequest): Promise<string> {
  const c = client(req.target) as unknown as {
    Whoami(
      arg: unknown,
      md: grpc.Metadata,
      opts: grpc.CallOptions,
      cb: (err: grpc.ServiceError | null, reply?: WhoamiReply) => void,
    ): void;
  };
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(req.metadata ?? {})) md.set(k, v);
  return new Promise((resolve) => {
    c.Whoami({}, md, { deadline: Date.now() + (req.deadlineMs ?? 5000) }, (err, reply) => {
      if (err) resolve(`error:${grpc.status[err.code] ?? err.code}`);
      else resolve(reply?.backend ?? 'error:empty');
    });
  });
}

process.on('message', (raw) => {
  const req = raw as CallRequest;
  void (async () => {
    const counts: Record<string, number> = {};
    // Sequential in small parallel batches: keeps the order of RPCs meaningful for convergence checks.
    const batch = 20;
    for (let done = 0; done < req.count; done += batch) {
      const n = Math.min(batch, req.count - done);
      const results = await Promise.all(Array.from({ length: n }, () => callOnce(req)));
      for (const r of results) counts[r] = (counts[r] ?? 0) + 1;
    }
    process.send?.({ id: req.id, counts });
  })();
});

process.send?.({ ready: true });
