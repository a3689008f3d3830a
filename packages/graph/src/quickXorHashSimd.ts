// The WebAssembly half of QuickXorHash: one function that XORs bytes into a 1760-byte block with
// 16-byte SIMD lanes (v128.xor), several times faster than 32-bit XORs in JavaScript. Hand-assembled
// because no maintained npm package does QuickXorHash with SIMD, and the ~200 bytes below are easier
// to review than a build step and an assembler dependency.
//
// The exported function, in WebAssembly text format:
//
//   (func $xor (param $block i32) (param $pos i32) (param $src i32) (param $len i32) (result i32)
//     (local $run i32) (local $dst i32) (local $end i32)
//     (loop $next                                ;; one run per pass, up to the end of the block
//       (if (i32.eqz (local.get $len)) (then (return (local.get $pos))))
//       (local.set $run (min $len (i32.sub (i32.const 1760) (local.get $pos))))
//       (local.set $dst (i32.add (local.get $block) (local.get $pos)))
//       (local.set $end (i32.add (local.get $src) (local.get $run)))
//       (block (loop                             ;; 64 bytes a pass while at least 64 are left
//         (br_if 1 (i32.lt_u (i32.sub (local.get $end) (local.get $src)) (i32.const 64)))
//         (v128.store offset=0..48 (local.get $dst) (v128.xor (v128.load $dst) (v128.load $src)))
//         $dst += 64, $src += 64, (br 0)))
//       (block (loop ...the same 16 bytes a pass...))
//       (block (loop ...the same a byte a pass, with i32.load8_u / i32.store8, while $src < $end...))
//       (local.set $len (i32.sub (local.get $len) (local.get $run)))
//       (local.set $pos (i32.add (local.get $pos) (local.get $run)))
//       (if (i32.eq (local.get $pos) (i32.const 1760)) (then (local.set $pos (i32.const 0))))
//       (br $next))
//     (unreachable))
//
// v128 loads and stores may be unaligned, so neither the block position nor the input needs to be.

/** 11 * 160: byte k of the input is XORed into byte k mod 1760 of the block. */
export const BLOCK_BYTES = 1760;
/** The hasher being updated has its block copied here, at address 0, for the call. */
export const BLOCK_AT = 0;
/**
 * Input is copied to this address, this much at a time, for the function to read. Measured on
 * Node 20 with input fresh from memory: 8 KiB beats 16-32 KiB by 10-30%, as the staged copy is
 * still in L1 cache when the function reads it; 4 KiB is no better, and worse for cached input.
 */
export const STAGING_AT = 16384;
export const STAGING_BYTES = 8192;
// The block (1760 bytes) and the staging area fit in one 64 KiB page. The maximum equals the
// minimum so the memory can never grow, and views over its buffer are never detached.
const PAGES = 1;

/** The exported function's signature: returns the block position after the XORed bytes. */
export type XorInto = (block: number, pos: number, src: number, len: number) => number;

// Locals by index: the four parameters first, then the three declared locals.
const BLOCK = 0;
const POS = 1;
const SRC = 2;
const LEN = 3;
const RUN = 4;
const DST = 5;
const END = 6;

// Opcodes used below (WebAssembly core spec, section 5.4; SIMD instructions take the 0xfd prefix).
const I32 = 0x7f;
const VOID = 0x40; // empty block type
const op = {
  unreachable: 0x00,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  load8u: 0x2d,
  store8: 0x3a,
  i32Const: 0x41,
  eqz: 0x45,
  eq: 0x46,
  ltU: 0x49,
  geU: 0x4f,
  add: 0x6a,
  sub: 0x6b,
  xor: 0x73,
  simd: 0xfd,
} as const;
const V128_LOAD = [op.simd, 0x00];
const V128_STORE = [op.simd, 0x0b];
const V128_XOR = [op.simd, 0x51];

/** Unsigned LEB128, as the format writes sizes, counts and indices. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128, as `i32.const` writes its operand (for the small non-negative values used here). */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const get = (local: number) => [op.localGet, local];
const set = (local: number) => [op.localSet, local];
const i32 = (value: number) => [op.i32Const, ...sleb(value)];
// A memory access's alignment hint (log2; 0 claims nothing) and constant address offset.
const memarg = (offset: number) => [0, ...uleb(offset)];
const bump = (local: number, by: number) => [...get(local), ...i32(by), op.add, ...set(local)];

/** `block[dst + offset .. +16] ^= src[src + offset .. +16]` */
function xor16(offset: number): number[] {
  return [
    ...get(DST),
    ...get(DST),
    ...V128_LOAD,
    ...memarg(offset),
    ...get(SRC),
    ...V128_LOAD,
    ...memarg(offset),
    ...V128_XOR,
    ...V128_STORE,
    ...memarg(offset),
  ];
}

/** A loop over whole `step`-byte groups while at least `step` bytes are left before $end. */
function lanes(step: number): number[] {
  const body: number[] = [];
  for (let offset = 0; offset < step; offset += 16) body.push(...xor16(offset));
  return [
    op.block,
    VOID,
    op.loop,
    VOID,
    ...get(END),
    ...get(SRC),
    op.sub,
    ...i32(step),
    op.ltU,
    op.brIf,
    1, // out of the block
    ...body,
    ...bump(DST, step),
    ...bump(SRC, step),
    op.br,
    0, // back to the loop
    op.end,
    op.end,
  ];
}

const bytewise = [
  op.block,
  VOID,
  op.loop,
  VOID,
  ...get(SRC),
  ...get(END),
  op.geU,
  op.brIf,
  1,
  ...get(DST),
  ...get(DST),
  op.load8u,
  ...memarg(0),
  ...get(SRC),
  op.load8u,
  ...memarg(0),
  op.xor,
  op.store8,
  ...memarg(0),
  ...bump(DST, 1),
  ...bump(SRC, 1),
  op.br,
  0,
  op.end,
  op.end,
];

const body = [
  ...[1, 3, I32], // locals: one group of three i32s ($run, $dst, $end)
  op.loop,
  VOID,
  // if (len === 0) return pos
  ...get(LEN),
  op.eqz,
  op.if,
  VOID,
  ...get(POS),
  op.return,
  op.end,
  // run = (1760 - pos) < len ? 1760 - pos : len
  ...i32(BLOCK_BYTES),
  ...get(POS),
  op.sub,
  op.localTee,
  RUN,
  ...get(LEN),
  ...get(RUN),
  ...get(LEN),
  op.ltU,
  op.select,
  ...set(RUN),
  // dst = block + pos; end = src + run
  ...get(BLOCK),
  ...get(POS),
  op.add,
  ...set(DST),
  ...get(SRC),
  ...get(RUN),
  op.add,
  ...set(END),
  ...lanes(64),
  ...lanes(16),
  ...bytewise,
  // len -= run; pos += run, back to 0 at the end of the block
  ...get(LEN),
  ...get(RUN),
  op.sub,
  ...set(LEN),
  ...get(POS),
  ...get(RUN),
  op.add,
  op.localTee,
  POS,
  ...i32(BLOCK_BYTES),
  op.eq,
  op.if,
  VOID,
  ...i32(0),
  ...set(POS),
  op.end,
  op.br,
  0, // next run
  op.end,
  op.unreachable, // every way out of the loop is the `return` above
  op.end,
];

/** A section: its id, then its contents' size in bytes. */
const section = (id: number, contents: number[]) => [id, ...uleb(contents.length), ...contents];
const name = (text: string) => [...uleb(text.length), ...Array.from(text, (c) => c.charCodeAt(0))];

/** The module's bytes: one memory and the `xor` function, both exported. */
export const QUICK_XOR_HASH_WASM = Uint8Array.from([
  ...[0x00, 0x61, 0x73, 0x6d], // "\0asm"
  ...[0x01, 0x00, 0x00, 0x00], // format version 1
  // Type section: one function type, (i32 i32 i32 i32) -> i32.
  ...section(1, [1, 0x60, 4, I32, I32, I32, I32, 1, I32]),
  // Function section: one function, of type 0.
  ...section(3, [1, 0]),
  // Memory section: one memory with a maximum (flag 1), PAGES pages both minimum and maximum.
  ...section(5, [1, 0x01, ...uleb(PAGES), ...uleb(PAGES)]),
  // Export section: "memory" is memory 0, "xor" is function 0.
  ...section(7, [2, ...name("memory"), 0x02, 0, ...name("xor"), 0x00, 0]),
  // Code section: the one function's body, preceded by its size.
  ...section(10, [1, ...uleb(body.length), ...body]),
]);
