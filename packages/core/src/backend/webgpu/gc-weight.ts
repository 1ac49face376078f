// The JavaScript engine does not see GPU memory: a tensor object of a few
// hundred bytes holding a 4 MiB buffer weighs a few hundred bytes to the
// garbage collector, which then runs only as often as the JS heap asks it to,
// while dead tensors keep their buffers. An engine does count the memory of
// every ArrayBuffer as its own and collects sooner as that memory grows (V8
// and its embedders run a full collection about every 64 MiB of it). So each
// GPU buffer in use carries a weight: an ArrayBuffer of its size that nothing
// reads or writes, kept alive by the object whose collection hands the buffer
// back. The engine then sees a dropped tensor as heavy as its GPU memory.
//
// A weight must cost next to nothing besides address space. From one page
// (4 KiB) on it is a resizable ArrayBuffer: V8 reserves and commits its pages
// without touching them (the kernel maps them on first write, which never
// comes), so it adds no resident memory, while its length still counts. A
// plain ArrayBuffer comes from the C allocator, which clears it, touching
// every page: 4,096 live 16 KiB weights made that way added 66 MiB of RSS,
// made as reservations 0.5 MiB for 1 GiB of 4 MiB ones. Under a page a
// reservation would still take a whole page and a system call (12 µs against
// 1.3 µs for 64 bytes), and a plain one costs at most its few bytes.

/** From this size on, a weight is a reservation rather than an allocation. */
const RESERVED_FROM = 4096;

/** `new ArrayBuffer(length, { maxByteLength })` (ES2024), typed here for an ES2022 library. */
type ResizableArrayBufferConstructor = new (length: number, options: { maxByteLength: number }) => ArrayBuffer;

/**
 * An untouched ArrayBuffer of `bytes` bytes: the weight, for the garbage
 * collector, of a GPU buffer of that size. Engines without resizable
 * ArrayBuffers ignore the option and make a plain one. Null where the engine
 * refuses the memory: a weight is a hint, and the buffer works without it.
 *
 * @example
 * ```ts
 * const weight = gcWeight(handle.size); // held as long as the buffer is in use
 * ```
 */
export function gcWeight(bytes: number): ArrayBuffer | null {
  try {
    if (bytes < RESERVED_FROM) return new ArrayBuffer(bytes);
    return new (ArrayBuffer as unknown as ResizableArrayBufferConstructor)(bytes, { maxByteLength: bytes });
  } catch {
    return null;
  }
}
