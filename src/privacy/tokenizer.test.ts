import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TokenDomain, Tokenizer } from './tokenizer.js';

const key = () => Buffer.alloc(32, 7);

function keyed(secret: Buffer, bits: number, cacheLimit: number): Tokenizer {
  const tokenizer = new Tokenizer(bits, cacheLimit);
  tokenizer.useKey(secret);
  return tokenizer;
}

describe('Tokenizer', () => {
  it('is the first bits of HMAC-SHA256(key, domain ‖ 6 address bytes)', () => {
    const tokenizer = keyed(key(), 32, 1000);
    const input = Buffer.from([TokenDomain.WifiAddress, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55]);
    const expected = crypto.createHmac('sha256', key()).update(input).digest('hex').slice(0, 8);
    expect(tokenizer.token(TokenDomain.WifiAddress, 0x021122334455)).toBe(expected);
  });

  it('masks the bits beyond token_bits', () => {
    const tokenizer = keyed(key(), 20, 1000);
    for (let value = 0; value < 200; value++) {
      const token = tokenizer.token(TokenDomain.WifiAddress, value);
      expect(token).toHaveLength(6);
      expect(parseInt(token, 16) & 0xf).toBe(0);
    }
  });

  it('separates domains and keys', () => {
    const a = keyed(key(), 64, 1000);
    const b = keyed(Buffer.alloc(32, 8), 64, 1000);
    expect(a.token(TokenDomain.WifiAddress, 42)).not.toBe(a.token(TokenDomain.WifiSignature, 42));
    expect(a.token(TokenDomain.WifiAddress, 42)).not.toBe(b.token(TokenDomain.WifiAddress, 42));
  });

  it('gives the same token from its cache and after the cache was cleared for being full', () => {
    const tokenizer = keyed(key(), 32, 1000);
    const first = Array.from({ length: 2500 }, (_, i) => tokenizer.token(TokenDomain.WifiAddress, i * 7919));
    const again = Array.from({ length: 2500 }, (_, i) => tokenizer.token(TokenDomain.WifiAddress, i * 7919));
    expect(again).toEqual(first);
  });

  it('overwrites its key when it forgets it, and refuses to tokenize without one', () => {
    const secret = key();
    const tokenizer = keyed(secret, 32, 10);
    tokenizer.forgetKey();
    expect(secret.equals(Buffer.alloc(32))).toBe(true);
    expect(() => tokenizer.token(TokenDomain.WifiAddress, 1)).toThrow(/no window key/);
  });

  it('forgets the tokens of the previous key when it takes a new one', () => {
    const tokenizer = keyed(key(), 32, 10);
    const before = tokenizer.token(TokenDomain.WifiAddress, 1);
    tokenizer.useKey(Buffer.alloc(32, 9));
    expect(tokenizer.token(TokenDomain.WifiAddress, 1)).not.toBe(before);
  });
});
