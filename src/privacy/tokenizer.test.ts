import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TokenDomain, Tokenizer } from './tokenizer.js';

const key = () => Buffer.alloc(32, 7);

describe('Tokenizer', () => {
  it('is the first bits of HMAC-SHA256(key, domain ‖ 6 address bytes)', () => {
    const tokenizer = new Tokenizer(key(), 32, 1000);
    const input = Buffer.from([TokenDomain.WifiAddress, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55]);
    const expected = crypto.createHmac('sha256', key()).update(input).digest('hex').slice(0, 8);
    expect(tokenizer.token(TokenDomain.WifiAddress, 0x021122334455)).toBe(expected);
  });

  it('masks the bits beyond token_bits', () => {
    const tokenizer = new Tokenizer(key(), 20, 1000);
    for (let value = 0; value < 200; value++) {
      const token = tokenizer.token(TokenDomain.WifiAddress, value);
      expect(token).toHaveLength(6);
      expect(parseInt(token, 16) & 0xf).toBe(0);
    }
  });

  it('separates domains and keys', () => {
    const a = new Tokenizer(key(), 64, 1000);
    const b = new Tokenizer(Buffer.alloc(32, 8), 64, 1000);
    expect(a.token(TokenDomain.WifiAddress, 42)).not.toBe(a.token(TokenDomain.WifiSignature, 42));
    expect(a.token(TokenDomain.WifiAddress, 42)).not.toBe(b.token(TokenDomain.WifiAddress, 42));
  });

  it('gives the same token from its cache and after the cache was cleared for being full', () => {
    const tokenizer = new Tokenizer(key(), 32, 1000);
    const first = Array.from({ length: 2500 }, (_, i) => tokenizer.token(TokenDomain.WifiAddress, i * 7919));
    const again = Array.from({ length: 2500 }, (_, i) => tokenizer.token(TokenDomain.WifiAddress, i * 7919));
    expect(again).toEqual(first);
  });

  it('overwrites its key when destroyed', () => {
    const secret = key();
    new Tokenizer(secret, 32, 10).destroy();
    expect(secret.equals(Buffer.alloc(32))).toBe(true);
  });
});
