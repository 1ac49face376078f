// A protocol-buffer reader for the tests, written apart from the encoder:
// it parses the wire format generically (every wire type, unknown fields
// kept), and reads the ONNX messages from field numbers of its own.

/** One field as it was on the wire. */
export type WireValue = { readonly wire: 0; readonly value: bigint } | { readonly wire: 1 | 5; readonly bytes: Uint8Array } | { readonly wire: 2; readonly bytes: Uint8Array };

/** Fields by number, in the order they came. */
export type WireMessage = Map<number, WireValue[]>;

function varint(buf: Uint8Array, at: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (at >= buf.length) throw new Error('truncated varint');
    const b = buf[at++]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, at];
    shift += 7n;
    if (shift > 63n) throw new Error('varint longer than ten bytes');
  }
}

/** Parses one message; throws on a truncated or malformed buffer. */
export function decodeWire(buf: Uint8Array): WireMessage {
  const out: WireMessage = new Map();
  let at = 0;
  while (at < buf.length) {
    const [key, next] = varint(buf, at);
    at = next;
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    let v: WireValue;
    if (wire === 0) {
      const [value, n] = varint(buf, at);
      at = n;
      v = { wire: 0, value };
    } else if (wire === 2) {
      const [len, n] = varint(buf, at);
      const end = n + Number(len);
      if (end > buf.length) throw new Error(`field ${field}: length ${len} runs past the end`);
      v = { wire: 2, bytes: buf.subarray(n, end) };
      at = end;
    } else if (wire === 5 || wire === 1) {
      const size = wire === 5 ? 4 : 8;
      v = { wire, bytes: buf.subarray(at, at + size) };
      at += size;
    } else throw new Error(`field ${field}: wire type ${wire} is not used by ONNX`);
    if (field === 0) throw new Error('field number 0');
    const list = out.get(field) ?? [];
    list.push(v);
    out.set(field, list);
  }
  return out;
}

const text = (v: WireValue | undefined): string => (v?.wire === 2 ? new TextDecoder().decode(v.bytes) : '');
const num = (v: WireValue | undefined): number => (v?.wire === 0 ? Number(BigInt.asIntN(64, v.value)) : 0);
const sub = (v: WireValue): WireMessage => decodeWire((v as { bytes: Uint8Array }).bytes);

/** Repeated int64: packed (one length-delimited field) or one varint each. */
function ints(list: WireValue[] | undefined): number[] {
  const out: number[] = [];
  for (const v of list ?? []) {
    if (v.wire === 0) out.push(num(v));
    else if (v.wire === 2) {
      let at = 0;
      while (at < v.bytes.length) {
        const [x, n] = varint(v.bytes, at);
        out.push(Number(BigInt.asIntN(64, x)));
        at = n;
      }
    }
  }
  return out;
}

export interface DecodedTensor {
  name: string;
  dataType: number;
  dims: number[];
  raw: Uint8Array;
}
export interface DecodedNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, number | number[] | string | DecodedTensor>;
}
export interface DecodedValueInfo {
  name: string;
  elemType: number;
  shape: (number | string | null)[];
}
export interface DecodedModel {
  irVersion: number;
  producerName: string;
  opsets: { domain: string; version: number }[];
  graph: { name: string; nodes: DecodedNode[]; initializers: DecodedTensor[]; inputs: DecodedValueInfo[]; outputs: DecodedValueInfo[] };
}

function tensorOf(m: WireMessage): DecodedTensor {
  const raw = m.get(9)?.[0];
  return { dims: ints(m.get(1)), dataType: num(m.get(2)?.[0]), name: text(m.get(8)?.[0]), raw: raw?.wire === 2 ? raw.bytes : new Uint8Array() };
}

function attributeOf(m: WireMessage): [string, number | number[] | string | DecodedTensor] {
  const name = text(m.get(1)?.[0]);
  const type = num(m.get(20)?.[0]);
  switch (type) {
    case 1: {
      const f = m.get(2)![0]! as { bytes: Uint8Array };
      return [name, new DataView(f.bytes.buffer, f.bytes.byteOffset, 4).getFloat32(0, true)];
    }
    case 2:
      return [name, num(m.get(3)?.[0])];
    case 3:
      return [name, text(m.get(4)?.[0])];
    case 4:
      return [name, tensorOf(sub(m.get(5)![0]!))];
    case 7:
      return [name, ints(m.get(8))];
    default:
      throw new Error(`attribute ${name}: type ${type} is not one the exporter writes`);
  }
}

function valueInfoOf(m: WireMessage): DecodedValueInfo {
  const tensorType = sub(sub(m.get(2)![0]!).get(1)![0]!);
  const dims = (tensorType.get(2) ? sub(tensorType.get(2)![0]!).get(1) ?? [] : []).map((d) => {
    const dim = sub(d);
    if (dim.has(1)) return num(dim.get(1)![0]);
    if (dim.has(2)) return text(dim.get(2)![0]);
    return null;
  });
  return { name: text(m.get(1)?.[0]), elemType: num(tensorType.get(1)?.[0]), shape: dims };
}

/** Reads a ModelProto. */
export function decodeModel(bytes: Uint8Array): DecodedModel {
  const m = decodeWire(bytes);
  const g = sub(m.get(7)![0]!);
  return {
    irVersion: num(m.get(1)?.[0]),
    producerName: text(m.get(2)?.[0]),
    opsets: (m.get(8) ?? []).map((v) => {
      const o = sub(v);
      return { domain: text(o.get(1)?.[0]), version: num(o.get(2)?.[0]) };
    }),
    graph: {
      name: text(g.get(2)?.[0]),
      nodes: (g.get(1) ?? []).map((v) => {
        const n = sub(v);
        return {
          inputs: (n.get(1) ?? []).map(text),
          outputs: (n.get(2) ?? []).map(text),
          opType: text(n.get(4)?.[0]),
          attributes: Object.fromEntries((n.get(5) ?? []).map((a) => attributeOf(sub(a)))),
        };
      }),
      initializers: (g.get(5) ?? []).map((v) => tensorOf(sub(v))),
      inputs: (g.get(11) ?? []).map((v) => valueInfoOf(sub(v))),
      outputs: (g.get(12) ?? []).map((v) => valueInfoOf(sub(v))),
    },
  };
}
