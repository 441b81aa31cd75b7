import type * as grpc from '@grpc/grpc-js';

const identity = (b: Buffer): Buffer => b;

/** A bidirectional-streaming method whose messages stay raw bytes (the bench's test servers). */
export function rawBidiMethod(path: string): grpc.MethodDefinition<Buffer, Buffer> {
  return {
    path,
    requestStream: true,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
}
