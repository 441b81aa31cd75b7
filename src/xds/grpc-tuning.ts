/**
 * Adjustments to @grpc/grpc-js's server internals that decide the cost of a push to thousands
 * of streams (design §5, issue 3). All reach into grpc-js's build (private API), so all are
 * feature-detected: if a class or method is not where it was in 1.14, that adjustment is skipped
 * and grpc-js behaves as shipped, which is correct, only slower or larger.
 *
 * 1. Zero-copy responses. grpc-js copies every response into a fresh buffer behind its 5-byte
 *    message header (`BaseServerInterceptingCall.serializeMessage`). For a response prepared
 *    once and written to thousands of streams (prepared-response.ts) that copy is most of the
 *    cost of a push: in a 2,000-client connect storm it is 3 GB of allocation and copying, the
 *    garbage collector's work, and the server's peak memory (each stream's queued copy of the
 *    same bytes). The patched method hands a prepared response's pre-framed bytes to HTTP/2 as
 *    they are; every other message takes grpc-js's own path.
 * 2. No retained request chunks. grpc-js's `StreamDecoder` keeps slices of the last message it
 *    reassembled until the next one starts, and a slice keeps its whole DATA chunk alive. SotW
 *    clients ACK with their whole subscription (tens of kilobytes), so every idle stream held
 *    its last ACK: about 100 MB at 2,000 streams. Once a message is complete the decoder drops
 *    those references (it resets them anyway when the next message begins).
 */
import { createRequire } from 'node:module';
import { isPrepared } from './prepared-response.js';

type Method = (this: unknown, ...args: unknown[]) => unknown;
type Prototype = Record<string | symbol, unknown>;

const PATCHED = Symbol.for('meshplane.grpcTuning');
let installed: { zeroCopy: boolean; decoder: boolean } | undefined;

function prototypeOf(module: string, className: string): Prototype | undefined {
  try {
    const require = createRequire(import.meta.url);
    const mod = require(`@grpc/grpc-js/build/src/${module}.js`) as Record<string, unknown>;
    const cls = mod[className];
    return typeof cls === 'function' ? (cls as { prototype: Prototype }).prototype : undefined;
  } catch {
    return undefined;
  }
}

/** Replaces `proto[method]` once with `wrap(original)`; false when the method is not there. */
function patch(proto: Prototype | undefined, method: string, wrap: (original: Method) => Method): boolean {
  const original = proto?.[method];
  if (!proto || typeof original !== 'function') return false;
  const done = (proto[PATCHED] ??= new Set<string>()) as Set<string>;
  if (!done.has(method)) {
    proto[method] = wrap(original as Method);
    done.add(method);
  }
  return true;
}

/** Installs both adjustments (once per process); says which are active. */
export function installGrpcTuning(): { zeroCopy: boolean; decoder: boolean } {
  if (installed) return installed;
  const zeroCopy = patch(
    prototypeOf('server-interceptors', 'BaseServerInterceptingCall'),
    'serializeMessage',
    (serialize) =>
      function (this: unknown, value: unknown): unknown {
        return isPrepared(value) ? value.framed : serialize.call(this, value);
      },
  );
  const decoder = patch(
    prototypeOf('stream-decoder', 'StreamDecoder'),
    'write',
    (write) =>
      function (this: unknown, data: unknown): unknown {
        const out = write.call(this, data);
        const d = this as { readState?: unknown; readPartialMessage?: unknown; readCompressFlag?: unknown };
        // 0 is NO_DATA: between messages, nothing read so far is needed any more.
        if (d.readState === 0 && Array.isArray(d.readPartialMessage)) {
          d.readPartialMessage = [];
          d.readCompressFlag = NO_FLAG;
        }
        return out;
      },
  );
  installed = { zeroCopy, decoder };
  return installed;
}

const NO_FLAG = Buffer.alloc(1);

/**
 * 3. Larger HTTP/2 frames and windows toward the server. A SotW ACK repeats the whole
 *    subscription (45 KB for 1,000 EDS names); at HTTP/2's default 16 KiB frames it arrives as
 *    three DATA frames, each a trip through nghttp2 and the stream machinery, and 2,000 of them
 *    follow every push. Advertising 1 MiB frames and a 1 MiB initial window lets a client send
 *    it as one frame without waiting for a WINDOW_UPDATE (Envoy's own defaults are larger still:
 *    256 MiB stream windows). grpc-js builds its HTTP/2 server options in the constructor and
 *    reads them when binding, so this must run before `bindAsync`. Returns whether it applied.
 */
export function raiseHttp2Limits(server: object): boolean {
  const holder = server as { commonServerOptions?: { settings?: Record<string, number> } };
  const options = holder.commonServerOptions;
  if (!options || typeof options !== 'object') return false;
  options.settings = { ...options.settings, maxFrameSize: 1 << 20, initialWindowSize: 1 << 20 };
  return true;
}

/** Writes pre-framed gRPC message bytes to a server stream; false: use the stream's own `write`. */
export type DirectWriter = (framed: Buffer, done: (err?: Error | null) => void) => boolean;

interface BaseCallShape {
  cancelled: boolean;
  metadataSent: boolean;
  maxSendMessageSize: number;
  callEventTracker?: { addMessageSent(): void } | null;
  stream: {
    destroyed: boolean;
    closed: boolean;
    write(chunk: Buffer, cb: (err?: Error | null) => void): boolean;
  };
}

let baseCallPrototype: Prototype | null | undefined;

/**
 * 4. Direct writes. A response written through grpc-js goes through a Duplex stream, the
 *    interceptor chain and `BaseServerInterceptingCall.sendMessage` (a cancellation check, a
 *    trace string built even when tracing is off, closures) before reaching the HTTP/2 stream;
 *    at 2,000 streams per push that costs about as much as the HTTP/2 write itself. For a call
 *    without interceptors whose response headers are out, a prepared response's framed bytes go
 *    straight to the HTTP/2 stream, which is all grpc-js would do with them. Anything else (first
 *    message, cancelled or closing call, size limit, an unknown grpc-js build, a call whose
 *    `write` someone wrapped) takes the normal path. Ordering is kept: the HTTP/2 stream queues
 *    writes, and grpc-js's trailers follow them.
 */
export function directWriter(call: object): DirectWriter | undefined {
  if (Object.prototype.hasOwnProperty.call(call, 'write')) return undefined;
  if (baseCallPrototype === undefined)
    baseCallPrototype = prototypeOf('server-interceptors', 'BaseServerInterceptingCall') ?? null;
  const base = (call as { call?: unknown }).call;
  if (!baseCallPrototype || !base || Object.getPrototypeOf(base) !== baseCallPrototype) return undefined;
  const c = base as BaseCallShape;
  if (typeof c.stream?.write !== 'function' || typeof c.cancelled !== 'boolean') return undefined;
  return (framed, done) => {
    const stream = c.stream;
    if (!c.metadataSent || c.cancelled || stream.destroyed || stream.closed) return false;
    if (c.maxSendMessageSize !== -1 && framed.length - 5 > c.maxSendMessageSize) return false;
    const tracker = c.callEventTracker;
    stream.write(
      framed,
      tracker
        ? (err) => {
            if (!err) tracker.addMessageSent();
            done(err);
          }
        : done,
    );
    return true;
  };
}
