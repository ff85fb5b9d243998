/**
 * Turns a 48-bit value (a device address, a signature hash) into a token: the first
 * `bits` bits of HMAC-SHA256(window key, domain ‖ value), as lower-case hex.
 *
 * An HMAC costs about 0.6 µs and a phone sends many frames per window, so tokens are cached for
 * the window, in an open-addressing table in one typed array (a Map keyed by 48-bit numbers costs
 * more than the rest of the per-frame work). The cache is bounded, cleared when full, and dies
 * with the window's key. Each cached token also has a small integer id, which lets the tally
 * find its entry without hashing the token again.
 *
 * One Tokenizer lives as long as the daemon and takes each window's key in turn, so the
 * table is allocated once and memory stays flat from window to window.
 */
import crypto from 'node:crypto';
import { HmacSha256 } from './hmac-sha256.js';

/** Separates the token spaces of different inputs, so equal numbers give unrelated tokens. */
export enum TokenDomain {
  WifiAddress = 1,
  BleAddress = 2,
  WifiSignature = 3,
  BleSignature = 4,
}

const TWO_32 = 2 ** 32;
/** Multiplier of the table's hash (Knuth's multiplicative hashing, 2^32 / golden ratio). */
const GOLDEN = 0x9e3779b1;
/** Two lower-case hex digits for each byte value. */
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** Int32s per slot of the table: key high, key low, token id + 1. */
const SLOT = 3;

export class Tokenizer {
  /**
   * Slot i at [SLOT * i, SLOT * i + SLOT): the key (domain and the value's high 16 bits, then its
   * low 32 bits) and the token id + 1 (0: empty). One array rather than one per column: a lookup
   * touches one cache line, not three.
   */
  private readonly table: Int32Array;
  private readonly mask: number;
  private readonly tokens: string[] = [];
  private readonly input = Buffer.alloc(7);
  private readonly bytes: number;
  private readonly lastByteMask: number;
  /** The id of the token returned by the last token() call. */
  lastId = -1;
  private key: Buffer | null = null;
  private hmac: HmacSha256 | null = null;

  constructor(
    readonly bits: number,
    private readonly cacheLimit: number,
  ) {
    if (!Number.isInteger(bits) || bits < 16 || bits > 64) throw new RangeError(`token bits ${bits} outside 16..64`);
    this.bytes = Math.ceil(bits / 8);
    this.lastByteMask = (0xff << (this.bytes * 8 - bits)) & 0xff;
    // At most half full, so probe sequences stay short.
    const slots = 2 ** Math.ceil(Math.log2(cacheLimit * 2));
    this.table = new Int32Array(slots * SLOT);
    this.mask = slots - 1;
  }

  /** Starts tokenizing with a window's key; the previous key is overwritten and its cache forgotten. */
  useKey(key: Buffer): void {
    this.forgetKey();
    this.key = key;
    this.hmac = new HmacSha256(key);
  }

  /** Forgets the cache and overwrites the key and all derived from it in memory; token() needs a new key after this. */
  forgetKey(): void {
    this.clearCache();
    this.key?.fill(0);
    this.key = null;
    this.hmac?.erase();
    this.hmac = null;
    this.input.fill(0);
  }

  get hasKey(): boolean {
    return this.hmac !== null;
  }

  /**
   * A check value of the key in use: the first 64 bits of HMAC-SHA256(key, "footfall-check").
   * Kept with a checkpoint, it tells whether a continued window's key is the one its tokens were
   * made with, and says nothing of the key.
   */
  keyCheck(): string {
    if (this.key === null) throw new Error('no window key in use');
    return crypto.createHmac('sha256', this.key).update('footfall-check').digest('hex').slice(0, 16);
  }

  token(domain: TokenDomain, value: number): string {
    const high = (domain << 16) | Math.floor(value / TWO_32);
    const low = value | 0;
    const table = this.table;
    let slot = (Math.imul(low ^ Math.imul(high, GOLDEN), GOLDEN) >>> 0) & this.mask;
    for (;;) {
      const at = slot * SLOT;
      const id = table[at + 2]! - 1;
      if (id < 0) break;
      if (table[at + 1] === low && table[at] === high) {
        this.lastId = id;
        return this.tokens[id]!;
      }
      slot = (slot + 1) & this.mask;
    }
    if (this.tokens.length >= this.cacheLimit) {
      this.clearCache();
      return this.token(domain, value);
    }
    const token = this.compute(domain, value);
    this.lastId = this.tokens.length;
    this.tokens.push(token);
    const at = slot * SLOT;
    table[at] = high;
    table[at + 1] = low;
    table[at + 2] = this.tokens.length;
    return token;
  }

  private clearCache(): void {
    // Every used slot has a token: with none, the table (megabytes) is still all zeros.
    if (this.tokens.length === 0) return;
    this.table.fill(0);
    this.tokens.length = 0;
  }

  private compute(domain: TokenDomain, value: number): string {
    if (this.hmac === null) throw new Error('no window key: a token needs an open window');
    this.input[0] = domain;
    this.input.writeUIntBE(value, 1, 6);
    const digest = this.hmac.mac(this.input, this.input.length);
    let token = '';
    for (let i = 0; i < this.bytes; i++) {
      const byte = (digest[i >> 2]! >>> (24 - 8 * (i & 3))) & 0xff;
      token += HEX[i === this.bytes - 1 ? byte & this.lastByteMask : byte];
    }
    return token;
  }
}
