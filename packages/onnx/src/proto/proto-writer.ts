/**
 * Protocol-buffer wire format, as much of it as ONNX models need: varints
 * (wire type 0), 32-bit floats (wire type 5) and length-delimited fields
 * (wire type 2: strings, bytes, packed numbers, nested messages). A message
 * is a list of byte chunks and its length: a nested message is written as
 * its length and its chunks, so a model's weights are copied once, when
 * `finish` joins everything.
 */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private pending: number[] = [];
  private size = 0;

  /** The number of bytes written so far. */
  get length(): number {
    return this.size + this.pending.length;
  }

  /** A varint field (int32, int64, enum, bool); negative numbers take ten bytes, as protobuf's int64. */
  varint(field: number, value: number | bigint): this {
    this.tag(field, 0);
    this.rawVarint(value);
    return this;
  }

  /** A 32-bit float field (wire type 5). */
  float(field: number, value: number): this {
    this.tag(field, 5);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    for (const b of bytes) this.pending.push(b);
    return this;
  }

  /** A UTF-8 string field. */
  string(field: number, value: string): this {
    return this.bytes(field, utf8(value));
  }

  /** A bytes field; the array is kept, not copied, until `finish`. */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.rawVarint(value.length);
    this.chunk(value);
    return this;
  }

  /** A packed repeated varint field (repeated int64 with packed encoding). */
  packedVarints(field: number, values: readonly (number | bigint)[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.rawVarint(v);
    return this.message(field, inner);
  }

  /** A nested message field. */
  message(field: number, inner: ProtoWriter): this {
    this.tag(field, 2);
    this.rawVarint(inner.length);
    inner.flush();
    for (const c of inner.chunks) this.chunk(c);
    return this;
  }

  /** The message's bytes. */
  finish(): Uint8Array {
    this.flush();
    if (this.chunks.length === 1) return this.chunks[0]!;
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  private tag(field: number, wireType: number): void {
    this.rawVarint(field * 8 + wireType);
  }

  private rawVarint(value: number | bigint): void {
    if (typeof value === 'number' && value >= 0 && value <= 0x7fffffff) {
      let v = value;
      while (v > 0x7f) {
        this.pending.push((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      this.pending.push(v);
      return;
    }
    // Large and negative values: as a two's-complement 64-bit integer.
    let v = BigInt.asUintN(64, BigInt(value));
    while (v > 0x7fn) {
      this.pending.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.pending.push(Number(v));
  }

  private chunk(bytes: Uint8Array): void {
    this.flush();
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.chunks.push(Uint8Array.from(this.pending));
    this.size += this.pending.length;
    this.pending = [];
  }
}

/** The UTF-8 bytes of `s` (ES2022 has no TextEncoder type, and names are short). */
export function utf8(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}
