/**
 * Walkthrough client: a real proxyless gRPC client (@grpc/grpc-js-xds) that gets its routing from
 * meshplane over xDS and prints, every second, where its last 100 RPCs went.
 *   npm run example:client [-- --xds 127.0.0.1:15010 --header x-canary=true]
 */
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import * as xds from '@grpc/grpc-js-xds';
import { EchoClient, type WhoamiReply } from './echo-service.js';

const { values } = parseArgs({
  options: {
    xds: { type: 'string', default: '127.0.0.1:15010' },
    target: { type: 'string', default: 'xds:///helloworld.default.svc.cluster.local:50051' },
    header: { type: 'string', multiple: true, default: [] },
  },
});

// gRFC A27 bootstrap: the node metadata GENERATOR=grpc tells meshplane this is a proxyless client.
process.env['GRPC_XDS_BOOTSTRAP_CONFIG'] ??= JSON.stringify({
  xds_servers: [{ server_uri: values.xds, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
  node: {
    id: 'sidecar~127.0.0.1~walkthrough-client.default~default.svc.cluster.local',
    metadata: { GENERATOR: 'grpc', NAMESPACE: 'default' },
    locality: {},
  },
});
xds.register();

type Whoami = (
  req: unknown,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, reply?: WhoamiReply) => void,
) => void;
const client = new EchoClient(values.target, grpc.credentials.createInsecure()) as unknown as { Whoami: Whoami };
const md = new grpc.Metadata();
for (const h of values.header) {
  const [k, v = ''] = h.split('=');
  if (k) md.set(k, v);
}

function call(): Promise<string> {
  return new Promise((resolve) =>
    client.Whoami({}, md, { deadline: Date.now() + 2000 }, (err, reply) =>
      resolve(err ? `error ${grpc.status[err.code]}` : (reply?.backend ?? '?')),
    ),
  );
}

for (;;) {
  const counts: Record<string, number> = {};
  for (let i = 0; i < 100; i++) {
    const r = await call();
    counts[r] = (counts[r] ?? 0) + 1;
  }
  const line = Object.entries(counts)
    .sort()
    .map(([k, n]) => `${k}: ${n}%`)
    .join('  ');
  console.log(`${new Date().toISOString().slice(11, 19)}  ${line}`);
  await new Promise((r) => setTimeout(r, 1000));
}
