import { endianness } from 'node:os';

/**
 * Many short strings (a folder's file names, their sort keys) kept as UTF-16 code units (one byte
 * each while they fit) in one growing array, with the start of each in another: a folder of any size costs two typed arrays,
 * not a heap object per name. Names come back as strings only when asked for, one at a time.
 *
 * Why: a listing that held one string (and a record) per file kept the JavaScript heap busy copying
 * them between collections while a large folder was read, and the heap grew with the folder.
 */
const LITTLE_ENDIAN = endianness() === 'LE';

export class NameTable {
  // One byte per unit while every name is Latin-1 (file names mostly are), two from the first that is not.
  private units: Uint8Array | Uint16Array = new Uint8Array(1024);
  private bytes = Buffer.from(this.units.buffer); // `units` as bytes, for decoding
  private starts = new Uint32Array(65);
  private count = 0;

  /** The number of names. */
  get size(): number {
    return this.count;
  }

  /** Empties the table, keeping its arrays for the next names. */
  clear(): void {
    this.count = 0;
  }

  /** Adds `text` and returns its index. */
  add(text: string): number {
    const at = this.starts[this.count];
    if (at + text.length > this.units.length) this.setUnits(grow(this.units, at + text.length));
    if (this.units instanceof Uint8Array && /[^\0-\xff]/.test(text)) this.setUnits(Uint16Array.from(this.units));
    for (let i = 0; i < text.length; i++) this.units[at + i] = text.charCodeAt(i);
    if (this.count + 2 > this.starts.length) this.starts = grow(this.starts, this.count + 2);
    this.starts[++this.count] = at + text.length;
    return this.count - 1;
  }

  private setUnits(units: Uint8Array | Uint16Array): void {
    this.units = units;
    this.bytes = Buffer.from(units.buffer, units.byteOffset, units.byteLength);
  }

  /** The name at `index`. */
  get(index: number): string {
    const [start, end] = [this.starts[index], this.starts[index + 1]];
    if (this.units instanceof Uint8Array) return this.bytes.toString('latin1', start, end);
    if (LITTLE_ENDIAN) return this.bytes.toString('utf16le', 2 * start, 2 * end);
    // apply takes the typed array as it is (a spread would iterate it, allocating per unit).
    return String.fromCharCode.apply(null, this.units.subarray(start, end) as unknown as number[]);
  }

  /** The length of the name at `index`. */
  length(index: number): number {
    return this.starts[index + 1] - this.starts[index];
  }

  /** A 32-bit hash (FNV-1a) of the first `length` code units of name `index`. */
  hash(index: number, length = this.length(index)): number {
    const { units } = this;
    const start = this.starts[index];
    let h = 0x811c9dc5;
    for (let i = start; i < start + length; i++) h = Math.imul(h ^ units[i], 0x01000193);
    return h >>> 0;
  }

  /**
   * Compares the first `lengthA` code units of name `a` with the first `lengthB` of name `b` in
   * plain code-unit order (the order of `<` on strings). The lengths default to the whole names.
   */
  compare(a: number, b: number, lengthA = this.length(a), lengthB = this.length(b)): number {
    const { units } = this;
    const sa = this.starts[a];
    const sb = this.starts[b];
    const n = Math.min(lengthA, lengthB);
    for (let i = 0; i < n; i++) {
      const d = units[sa + i] - units[sb + i];
      if (d !== 0) return d;
    }
    return lengthA - lengthB;
  }
}

function grow<T extends Uint8Array | Uint16Array | Uint32Array>(array: T, atLeast: number): T {
  const next = new (array.constructor as new (n: number) => T)(Math.max(atLeast, array.length * 2));
  next.set(array);
  return next;
}

/**
 * Typed arrays reused from one folder to the next at the same depth of a walk, so that reading many
 * folders does not leave behind a trail of dead arrays (their memory is outside the heap and would
 * wait for a full collection to be freed).
 */
export class Scratch {
  readonly names = new NameTable();
  readonly keys = new NameTable();
  private readonly arrays: Uint32Array[] = [];
  private readonly floats: Float64Array[] = [];

  /** `length` numbers from the reusable array `slot` (what they hold at first is undefined). */
  u32(slot: number, length: number): Uint32Array {
    let a = this.arrays[slot];
    if (!a || a.length < length) a = this.arrays[slot] = new Uint32Array(Math.max(length, 2 * (a?.length ?? 0), 64));
    return a.subarray(0, length);
  }

  /** As `u32`, for any numbers (a slot of its own: `f64(0)` is not `u32(0)`). */
  f64(slot: number, length: number): Float64Array {
    let a = this.floats[slot];
    if (!a || a.length < length) a = this.floats[slot] = new Float64Array(Math.max(length, 2 * (a?.length ?? 0), 64));
    return a.subarray(0, length);
  }
}
