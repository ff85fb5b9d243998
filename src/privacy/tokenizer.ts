/**
 * Turns a 48-bit value (a device address, a signature hash) into a token: the first
 * `bits` bits of HMAC-SHA256(window key, domain ‖ value), as lower-case hex.
 *
 * An HMAC costs about 2 µs, and a phone sends many frames per window, so tokens are cached by
 * value for the window. The cache is bounded (cleared when full) and dies with the window.
 */
import crypto from 'node:crypto';

/** Separates the token spaces of different inputs, so equal numbers give unrelated tokens. */
export enum TokenDomain {
  WifiAddress = 1,
  BleAddress = 2,
  WifiSignature = 3,
  BleSignature = 4,
}

const VALUE_RANGE = 2 ** 48;

export class Tokenizer {
  private readonly cache = new Map<number, string>();
  private readonly input = Buffer.alloc(7);
  private readonly bytes: number;
  private readonly lastByteMask: number;

  constructor(
    private readonly key: Buffer,
    readonly bits: number,
    private readonly cacheLimit: number,
  ) {
    if (!Number.isInteger(bits) || bits < 16 || bits > 64) throw new RangeError(`token bits ${bits} outside 16..64`);
    this.bytes = Math.ceil(bits / 8);
    this.lastByteMask = (0xff << (this.bytes * 8 - bits)) & 0xff;
  }

  token(domain: TokenDomain, value: number): string {
    const cacheKey = domain * VALUE_RANGE + value;
    const cached = this.cache.get(cacheKey);
    if (cached !== undefined) return cached;
    if (this.cache.size >= this.cacheLimit) this.cache.clear();
    const token = this.compute(domain, value);
    this.cache.set(cacheKey, token);
    return token;
  }

  /** Forgets the cache and overwrites the key in memory; the tokenizer is unusable after. */
  destroy(): void {
    this.cache.clear();
    this.key.fill(0);
    this.input.fill(0);
  }

  private compute(domain: TokenDomain, value: number): string {
    this.input[0] = domain;
    this.input.writeUIntBE(value, 1, 6);
    const digest = crypto.createHmac('sha256', this.key).update(this.input).digest();
    digest[this.bytes - 1]! &= this.lastByteMask;
    return digest.toString('hex', 0, this.bytes);
  }
}
