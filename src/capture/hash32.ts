/**
 * The 32-bit hashing steps the capture signatures share: MurmurHash3's (x86, 32-bit) block step,
 * which mixes a word into a running hash, and its finalizer, which spreads every input bit over
 * the whole word. Not cryptographic: signatures are tokenized with the window's key later.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** Mixes the 32-bit `word` into `hash`. */
export function mixWord(hash: number, word: number): number {
  let k = Math.imul(word, C1);
  k = (k << 15) | (k >>> 17);
  hash ^= Math.imul(k, C2);
  hash = (hash << 13) | (hash >>> 19);
  return (Math.imul(hash, 5) + 0xe6546b64) | 0;
}

/** MurmurHash3's finalizer, as an unsigned 32-bit number. */
export function finish32(hash: number): number {
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}
