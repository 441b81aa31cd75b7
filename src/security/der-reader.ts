/**
 * Just enough DER reading (ITU-T X.690 §8.1) to take a certificate apart at its top-level
 * fields, so a CA certificate loaded from disk can sign again: the issuer name of a certificate
 * it signs must be its subject, byte for byte (RFC 5280 §4.1.2.4, name chaining). Pure.
 */

export interface Tlv {
  readonly tag: number;
  /** Offset of the tag byte. */
  readonly start: number;
  /** Offset of the first content byte. */
  readonly contentStart: number;
  /** Offset just past the element. */
  readonly end: number;
}

/** Reads the element at `offset`; throws on truncated or indefinite-length input. */
export function readTlv(der: Buffer, offset: number): Tlv {
  if (offset + 2 > der.length) throw new Error(`DER truncated at byte ${offset}`);
  const tag = der[offset]!;
  let len = der[offset + 1]!;
  let contentStart = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4)
      throw new Error(`DER length form 0x${len.toString(16)} at byte ${offset + 1} unsupported`);
    if (contentStart + n > der.length) throw new Error(`DER truncated at byte ${offset}`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[contentStart + i]!;
    contentStart += n;
  }
  const end = contentStart + len;
  if (end > der.length) throw new Error(`DER element at byte ${offset} runs past the end`);
  return { tag, start: offset, contentStart, end };
}

/** The children of a constructed element. */
export function children(der: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end;) {
    const child = readTlv(der, at);
    out.push(child);
    at = child.end;
  }
  return out;
}

/** The DER bytes of a certificate's subject Name (RFC 5280 §4.1: tbsCertificate's 6th field, v3). */
export function certificateSubject(der: Buffer): Buffer {
  const cert = readTlv(der, 0);
  const [tbs] = children(der, cert);
  if (!tbs || tbs.tag !== 0x30) throw new Error('not an X.509 certificate: no tbsCertificate');
  const fields = children(der, tbs);
  // [0] EXPLICIT version is present in v2/v3 certificates; skip it when it is there.
  const rest = fields[0]?.tag === 0xa0 ? fields.slice(1) : fields;
  // serialNumber, signature, issuer, validity, subject
  const subject = rest[4];
  if (!subject || subject.tag !== 0x30) throw new Error('not an X.509 certificate: no subject');
  return der.subarray(subject.start, subject.end);
}
