/**
 * Splits an HTTP/2 stream's DATA chunks into gRPC messages (a 5-byte prefix: compressed flag and
 * big-endian length, then the bytes; PROTOCOL-HTTP2.md "Length-Prefixed-Message").
 *
 * A load process runs hundreds of clients that receive byte-identical responses, so a message is
 * first compared, chunk by chunk as it arrives, with the earlier messages of the same length the
 * process kept (`candidates`); when every byte matches one, that buffer is delivered and the
 * message is never copied. As soon as no candidate matches, the matched prefix is copied from the
 * last candidate and the rest from the chunks, so a message that differs anywhere is delivered
 * whole and exact: the comparison only saves copies, it never substitutes different bytes.
 */

/** Earlier messages of exactly `length` bytes, most recent first. */
export type Candidates = (length: number) => readonly Buffer[];

const PREFIX = 5;

export class MessageReader {
  private readonly prefix = Buffer.alloc(PREFIX);
  private prefixLen = 0;
  /** The current message's length; -1 while reading a prefix. */
  private length = -1;
  private offset = 0;
  /** Candidates every byte so far matched (empty once copying). */
  private matching: Buffer[] = [];
  /** The message being copied, once no candidate matches. */
  private copy: Buffer | undefined;

  constructor(
    private readonly candidates: Candidates,
    private readonly emit: (msg: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.length < 0) {
        const take = Math.min(PREFIX - this.prefixLen, chunk.length - i);
        chunk.copy(this.prefix, this.prefixLen, i, i + take);
        this.prefixLen += take;
        i += take;
        if (this.prefixLen < PREFIX) return;
        this.prefixLen = 0;
        if (this.prefix[0] !== 0) throw new Error('compressed gRPC message (none was negotiated)');
        this.begin(this.prefix.readUInt32BE(1));
        if (this.length === 0) {
          this.finish();
          continue;
        }
      }
      const take = Math.min(this.length - this.offset, chunk.length - i);
      if (this.copy) chunk.copy(this.copy, this.offset, i, i + take);
      else this.narrow(chunk, i, take);
      this.offset += take;
      i += take;
      if (this.offset === this.length) this.finish();
    }
  }

  private begin(length: number): void {
    this.length = length;
    this.offset = 0;
    this.matching = [...this.candidates(length)];
    this.copy = this.matching.length === 0 ? Buffer.allocUnsafe(length) : undefined;
  }

  /** Keeps the candidates whose bytes at `offset` equal chunk[i, i + n). */
  private narrow(chunk: Buffer, i: number, n: number): void {
    const last = this.matching[0]!;
    let kept = 0;
    for (const c of this.matching) {
      if (c.compare(chunk, i, i + n, this.offset, this.offset + n) === 0) this.matching[kept++] = c;
    }
    this.matching.length = kept;
    if (kept > 0) return;
    const copy = Buffer.allocUnsafe(this.length);
    last.copy(copy, 0, 0, this.offset);
    chunk.copy(copy, this.offset, i, i + n);
    this.copy = copy;
  }

  private finish(): void {
    const msg = this.copy ?? this.matching[0] ?? Buffer.alloc(0);
    this.length = -1;
    this.copy = undefined;
    this.matching = [];
    this.emit(msg);
  }
}
