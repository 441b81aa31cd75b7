import { describe, expect, it } from 'vitest';
import { MessageReader } from './message-reader.js';

function framed(...msgs: Buffer[]): Buffer {
  return Buffer.concat(
    msgs.flatMap((m) => {
      const p = Buffer.alloc(5);
      p.writeUInt32BE(m.length, 1);
      return [p, m];
    }),
  );
}

/** Feeds `bytes` in chunks of `size` and returns what the reader emitted. */
function read(bytes: Buffer, size: number, known: Buffer[] = []): Buffer[] {
  const out: Buffer[] = [];
  const reader = new MessageReader(
    (len) => known.filter((k) => k.length === len),
    (m) => out.push(m),
  );
  for (let i = 0; i < bytes.length; i += size) reader.push(bytes.subarray(i, i + size));
  return out;
}

const a = Buffer.from('a'.repeat(100) + 'tail-a');
const b = Buffer.from('a'.repeat(100) + 'tail-b'); // same length, same prefix as `a`
const c = Buffer.from('another message');

describe('MessageReader', () => {
  it('splits messages across and within chunks, whatever the chunk size', () => {
    const bytes = framed(a, Buffer.alloc(0), c, b);
    for (const size of [1, 3, 5, 7, 64, 1000]) {
      const got = read(bytes, size);
      expect(got.map((m) => m.toString())).toEqual([a, Buffer.alloc(0), c, b].map((m) => m.toString()));
    }
  });

  it('hands over the known buffer itself when every byte matches one', () => {
    const known = [Buffer.from(a)];
    for (const size of [1, 4, 50, 500]) {
      const [got] = read(framed(a), size, known);
      expect(got).toBe(known[0]);
    }
  });

  it('copies, exactly, a message that differs from its candidates late or early', () => {
    for (const size of [1, 10, 103, 500]) {
      const late = read(framed(b), size, [Buffer.from(a)]);
      expect(late[0]!.toString()).toBe(b.toString());
      const early = Buffer.from('z' + b.subarray(1).toString());
      expect(read(framed(early), size, [Buffer.from(a), Buffer.from(b)])[0]!.toString()).toBe(
        early.toString(),
      );
    }
  });

  it('narrows among several candidates of the same length', () => {
    const known = [Buffer.from(a), Buffer.from(b)];
    const [got] = read(framed(b), 7, known);
    expect(got).toBe(known[1]);
  });

  it('rejects a compressed message', () => {
    const bytes = framed(c);
    bytes[0] = 1;
    expect(() => read(bytes, 64)).toThrow(/compressed/);
  });
});
