/**
 * The direct write path of grpc-tuning.ts: prepared bytes go straight to the HTTP/2 stream only
 * for a plain grpc-js call whose headers are out and that is still open; everything else falls
 * back to the call's own write.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { directWriter } from '../../../src/xds/grpc-tuning.js';

const require = createRequire(import.meta.url);
const { BaseServerInterceptingCall } = require('@grpc/grpc-js/build/src/server-interceptors.js') as {
  BaseServerInterceptingCall: { prototype: object };
};

function fakeCall(over: Record<string, unknown> = {}) {
  const chunks: Buffer[] = [];
  const stream = {
    destroyed: false,
    closed: false,
    write: (chunk: Buffer, cb: (err?: Error | null) => void) => {
      chunks.push(chunk);
      cb(null);
      return true;
    },
  };
  const base = Object.assign(Object.create(BaseServerInterceptingCall.prototype) as object, {
    cancelled: false,
    metadataSent: true,
    maxSendMessageSize: -1,
    callEventTracker: undefined,
    stream,
    ...over,
  });
  return { duplex: { call: base }, base: base as Record<string, unknown>, stream, chunks };
}

describe('directWriter', () => {
  it('writes the framed bytes to the HTTP/2 stream once the headers are out', () => {
    const { duplex, chunks } = fakeCall();
    const write = directWriter(duplex)!;
    const framed = Buffer.from([0, 0, 0, 0, 1, 7]);
    let done = 0;
    expect(write(framed, () => done++)).toBe(true);
    expect(chunks).toEqual([framed]);
    expect(done).toBe(1);
  });

  it('leaves the first message, a cancelled or closed call and oversized messages to grpc-js', () => {
    const { duplex, base, stream, chunks } = fakeCall({ metadataSent: false });
    const write = directWriter(duplex)!;
    const framed = Buffer.alloc(20);
    expect(write(framed, () => undefined)).toBe(false);
    base['metadataSent'] = true;
    base['cancelled'] = true;
    expect(write(framed, () => undefined)).toBe(false);
    base['cancelled'] = false;
    stream.closed = true;
    expect(write(framed, () => undefined)).toBe(false);
    stream.closed = false;
    base['maxSendMessageSize'] = 10;
    expect(write(framed, () => undefined)).toBe(false);
    expect(chunks).toEqual([]);
  });

  it('is not offered for calls that are not plain grpc-js calls, or whose write was wrapped', () => {
    expect(directWriter({ call: {} })).toBeUndefined();
    expect(directWriter({})).toBeUndefined();
    const { duplex } = fakeCall();
    expect(directWriter(Object.assign(duplex, { write: () => true }))).toBeUndefined();
  });
});
