/**
 * One gRPC bidirectional stream on its own HTTP/2 connection, over node:http2 directly: the load
 * generator's client transport. A real proxy has an HTTP/2 stack of its own (Envoy's nghttp2/oghttp2
 * codec, gRPC-Go's transport); what the load generator must not do is spend the CPU that stands for
 * a thousand proxies on a general-purpose client's machinery. grpc-js's client concatenates every
 * message's chunks into a new buffer (1.75 GB per load process in a 2,000-client delta storm) and runs
 * each message through its filter and interceptor stack; this transport instead compares the chunks
 * of an incoming message with the responses its process has already seen (`MessageReader`), and
 * hands over the already-parsed copy when every byte matches.
 *
 * gRPC over HTTP/2 (PROTOCOL-HTTP2.md): POST to /service/method, content-type application/grpc,
 * te: trailers; each message is a 5-byte prefix (compressed flag, big-endian length) plus the bytes;
 * the status arrives in trailers (or in the headers of a trailers-only response).
 */
import * as http2 from 'node:http2';
import { MessageReader, type Candidates } from './message-reader.js';

/**
 * Envoy opens xDS streams with a 256 MiB initial window (initial_stream_window_size) and gRPC-Go
 * sizes its windows to the bandwidth-delay product; HTTP/2's 64 KiB default would make a 500 KB
 * response cost several WINDOW_UPDATE round trips no real proxy pays.
 */
export const WINDOW = 16 * 1024 * 1024;

export interface H2CallOptions {
  /** host:port */
  readonly target: string;
  /** /package.Service/Method */
  readonly path: string;
  /**
   * Until the server answers with response headers, a refused or reset connection is retried with
   * backoff (gRPC's waitForReady; Envoy retries its xDS connection too): a busy server's accept
   * backlog overflows during a storm.
   */
  readonly waitForReady: boolean;
  /** Messages seen before with a given length (see MessageReader). */
  readonly candidates: Candidates;
  onMessage(msg: Buffer): void;
  /** The stream failed or ended (with its grpc-status); called once, never after `cancel`. */
  onClose(err: Error): void;
}

const HEADERS = {
  [http2.constants.HTTP2_HEADER_METHOD]: 'POST',
  [http2.constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
  [http2.constants.HTTP2_HEADER_TE]: 'trailers',
};

const MAX_BACKOFF_MS = 2000;

export class H2Call {
  private session: http2.ClientHttp2Session | undefined;
  private stream: http2.ClientHttp2Stream | undefined;
  /** Messages written before the server answered: re-sent on a retried connection. */
  private unconfirmed: Buffer[] | undefined = [];
  private cancelled = false;
  private finished = false;
  private backoffMs = 100;

  constructor(private readonly o: H2CallOptions) {
    this.connect();
  }

  /** Writes one message (the protobuf bytes; the 5-byte prefix is added here). */
  write(msg: Buffer): void {
    const framed = frame(msg);
    this.unconfirmed?.push(framed);
    this.stream?.write(framed);
  }

  cancel(): void {
    this.cancelled = true;
    this.stream?.close(http2.constants.NGHTTP2_CANCEL);
    this.session?.destroy();
  }

  private connect(): void {
    const reader = new MessageReader(this.o.candidates, (m) => this.o.onMessage(m));
    const session = http2.connect(`http://${this.o.target}`, {
      settings: { initialWindowSize: WINDOW },
      maxSessionMemory: Number.MAX_SAFE_INTEGER,
    });
    this.session = session;
    session.once('remoteSettings', () => session.setLocalWindowSize(WINDOW));
    session.on('error', () => undefined); // the stream's 'close' reports it
    const stream = session.request({ ...HEADERS, [http2.constants.HTTP2_HEADER_PATH]: this.o.path });
    this.stream = stream;
    let status: string | undefined;
    let detail = '';
    let failure: Error | undefined;
    stream.on('response', (headers) => {
      const code = Number(headers[http2.constants.HTTP2_HEADER_STATUS]);
      if (code !== 200) failure = new Error(`HTTP status ${code}`);
      if (headers['grpc-status'] !== undefined) {
        status = String(headers['grpc-status']);
        detail = String(headers['grpc-message'] ?? '');
      }
      this.unconfirmed = undefined;
      this.backoffMs = 100;
    });
    stream.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
        stream.close(http2.constants.NGHTTP2_PROTOCOL_ERROR);
      }
    });
    stream.on('trailers', (trailers) => {
      status = String(trailers['grpc-status'] ?? '');
      detail = String(trailers['grpc-message'] ?? '');
    });
    stream.on('error', (err) => (failure ??= err));
    stream.on('close', () => {
      session.destroy();
      if (this.cancelled || this.finished) return;
      if (this.unconfirmed && this.o.waitForReady) {
        const delay = this.backoffMs * (0.8 + Math.random() * 0.4);
        this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 1.6);
        setTimeout(() => this.reconnect(), delay);
        return;
      }
      this.finished = true;
      this.o.onClose(
        failure ?? new Error(`stream ended: grpc-status ${status ?? '(none)'}${detail ? ` ${detail}` : ''}`),
      );
    });
    for (const m of this.unconfirmed ?? []) stream.write(m);
  }

  private reconnect(): void {
    if (!this.cancelled) this.connect();
  }
}

/**
 * Large requests are SotW ACKs, whose bytes clients acking the same response share (the worker
 * builds them once): they are framed once too.
 */
const framedLarge = new WeakMap<Buffer, Buffer>();

function frame(msg: Buffer): Buffer {
  if (msg.length < 1024) return prefixed(msg);
  let out = framedLarge.get(msg);
  if (!out) framedLarge.set(msg, (out = prefixed(msg)));
  return out;
}

function prefixed(msg: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + msg.length);
  out[0] = 0;
  out.writeUInt32BE(msg.length, 1);
  msg.copy(out, 5);
  return out;
}
