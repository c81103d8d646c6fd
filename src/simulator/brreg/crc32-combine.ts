// zlib's crc32_combine (crc32.c, 1.2.12+), so the CRC of a multi-GiB attachment built from one repeated block is
// known before its first byte is written: a stored ZIP entry needs its CRC in the local header, and a full pass over
// the bytes just to learn it would double the cost of every download.

const POLY = 0xedb88320;

/** a(x) · b(x) modulo the CRC-32 polynomial, both bit-reflected. */
function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  let bb = b >>> 0;
  for (;;) {
    if ((a & m) !== 0) {
      p = (p ^ bb) >>> 0;
      if ((a & (m - 1)) === 0) {
        break;
      }
    }
    m >>>= 1;
    bb = bb & 1 ? ((bb >>> 1) ^ POLY) >>> 0 : bb >>> 1;
  }
  return p >>> 0;
}

/** x^(2^n) modulo the polynomial, n = 0..31. */
const X2N_TABLE: readonly number[] = (() => {
  const table: number[] = [];
  let p = 1 << 30; // x^1
  table.push(p);
  for (let n = 1; n < 32; n++) {
    p = multModP(p, p);
    table.push(p);
  }
  return table;
})();

/** x^(n · 2^k) modulo the polynomial. `n` may exceed 2^32 (a safe integer). */
function x2nModP(n: number, k: number): number {
  let p = 0x80000000; // x^0
  let rest = n;
  let kk = k;
  while (rest > 0) {
    if (rest % 2 === 1) {
      p = multModP(X2N_TABLE[kk & 31], p);
    }
    rest = Math.floor(rest / 2);
    kk += 1;
  }
  return p;
}

/** The operator that appends `length` bytes to a CRC; reuse it when the same length repeats. */
export function crc32ShiftOperator(length: number): number {
  return x2nModP(length, 3);
}

/** crc32(A ‖ B) from crc32(A), crc32(B) and an operator made by `crc32ShiftOperator(B.length)`. */
export function crc32CombineWith(operator: number, crcA: number, crcB: number): number {
  return (multModP(operator, crcA) ^ crcB) >>> 0;
}

/** crc32(A ‖ B) from crc32(A), crc32(B) and B's length. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return crc32CombineWith(crc32ShiftOperator(lengthB), crcA, crcB);
}
