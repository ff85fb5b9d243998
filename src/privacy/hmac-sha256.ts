/**
 * HMAC-SHA256 (RFC 2104 over FIPS 180-4) of short messages, for the tokenizer.
 *
 * crypto.createHmac costs about 1.8 µs a token: a native object per message, and the key's two
 * pad blocks hashed again each time. Here they are hashed once per key, and the SHA-256 states
 * after them are kept; a message of up to 55 bytes then takes two compressions in JavaScript (its
 * block with the padding, then the inner digest's), about a third of that time. Tests check it
 * against crypto.createHmac.
 */

/** The longest message whose length and padding fit in the one block after the key's pad. */
export const MAX_MESSAGE_BYTES = 55;
const BLOCK_BYTES = 64;
const DIGEST_BYTES = 32;
const INNER_PAD = 0x36;
const OUTER_PAD = 0x5c;

/** SHA-256's initial state and round constants (FIPS 180-4, 5.3.3 and 4.2.2). */
const INITIAL_STATE = Int32Array.of(0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19);
const K = Int32Array.of(
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
  0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
  0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
  0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
  0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
  0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
);

/**
 * One SHA-256 compression: `state` absorbs the block whose 16 big-endian words are `w[0, 16)`.
 * `w` is the 64-word message schedule, extended here.
 */
function compress(state: Int32Array, w: Int32Array): void {
  for (let i = 16; i < 64; i++) {
    const w15 = w[i - 15]!;
    const w2 = w[i - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const sum1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const choice = (e & f) ^ (~e & g);
    const t1 = (h + sum1 + choice + K[i]! + w[i]!) | 0;
    const sum0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const majority = (a & b) ^ (a & c) ^ (b & c);
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + sum0 + majority) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

/** HMAC-SHA256 under one key, for messages of up to MAX_MESSAGE_BYTES. */
export class HmacSha256 {
  /** SHA-256 states after the key's inner and outer pad blocks: as good as the key itself. */
  private readonly innerPadState = new Int32Array(8);
  private readonly outerPadState = new Int32Array(8);
  /** The message schedule; it holds material derived from the key after each compression. */
  private readonly schedule = new Int32Array(64);
  /** The last mac() result, eight big-endian words (bytes 0..3 are word 0, most significant first). */
  readonly digest = new Int32Array(8);

  /** `key` of up to 64 bytes (footfall's window keys have 32). */
  constructor(key: Uint8Array) {
    if (key.length > BLOCK_BYTES) throw new RangeError(`an HMAC key of ${key.length} bytes would need hashing first; at most ${BLOCK_BYTES}`);
    this.padState(key, INNER_PAD, this.innerPadState);
    this.padState(key, OUTER_PAD, this.outerPadState);
    this.schedule.fill(0);
  }

  /** The SHA-256 state after absorbing the key, zero-filled to a block, XORed with `pad`. */
  private padState(key: Uint8Array, pad: number, state: Int32Array): void {
    const w = this.schedule;
    for (let i = 0; i < 16; i++) {
      let word = 0;
      for (let j = 0; j < 4; j++) word = (word << 8) | ((key[i * 4 + j] ?? 0) ^ pad);
      w[i] = word;
    }
    state.set(INITIAL_STATE);
    compress(state, w);
  }

  /** Computes the HMAC of `message[0, length)` into `digest`, and returns it. */
  mac(message: Uint8Array, length: number): Int32Array {
    if (!(length >= 0 && length <= MAX_MESSAGE_BYTES && length <= message.length)) {
      throw new RangeError(`a message of ${length} bytes; this HMAC takes 0..${MAX_MESSAGE_BYTES}`);
    }
    const w = this.schedule;
    const digest = this.digest;
    // Inner hash: the message, the 0x80 end marker, zeros, and the bit length of pad block + message.
    w.fill(0, 0, 16);
    for (let i = 0; i < length; i++) w[i >> 2]! |= message[i]! << (24 - 8 * (i & 3));
    w[length >> 2]! |= 0x80 << (24 - 8 * (length & 3));
    w[15] = (BLOCK_BYTES + length) * 8;
    digest.set(this.innerPadState);
    compress(digest, w);
    // Outer hash: the inner digest, the end marker, zeros, and the bit length of pad block + digest.
    w.set(digest);
    w[8] = 0x80000000;
    w.fill(0, 9, 15);
    w[15] = (BLOCK_BYTES + DIGEST_BYTES) * 8;
    digest.set(this.outerPadState);
    compress(digest, w);
    return digest;
  }

  /** Overwrites everything derived from the key; mac() gives garbage after this. */
  erase(): void {
    this.innerPadState.fill(0);
    this.outerPadState.fill(0);
    this.schedule.fill(0);
    this.digest.fill(0);
  }
}
