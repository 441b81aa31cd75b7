/**
 * A tiny gRPC service for integration tests, defined without a .proto: requests and replies are
 * JSON. `Whoami` answers with the backend's name so tests can count where traffic went.
 */
import * as grpc from '@grpc/grpc-js';

export interface WhoamiReply {
  backend: string;
}

const json = {
  serialize: (value: unknown): Buffer => Buffer.from(JSON.stringify(value)),
  deserialize: (bytes: Buffer): unknown => JSON.parse(bytes.toString() || '{}'),
};

export const ECHO_SERVICE: grpc.ServiceDefinition = {
  Whoami: {
    path: '/meshplane.test.Echo/Whoami',
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
};

export const EchoClient = grpc.makeGenericClientConstructor(ECHO_SERVICE, 'Echo');

/** Starts one backend on 127.0.0.1:port that answers with `name`. */
export async function startBackend(name: string, port: number): Promise<grpc.Server> {
  const server = new grpc.Server();
  server.addService(ECHO_SERVICE, {
    Whoami: (_call: grpc.ServerUnaryCall<unknown, WhoamiReply>, cb: grpc.sendUnaryData<WhoamiReply>) =>
      cb(null, { backend: name }),
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  return server;
}
