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

  it('equals the truncated crypto.createHmac for random keys and values, at every token_bits of 16..64', () => {
    for (let bits = 16; bits <= 64; bits++) {
      const secret = crypto.randomBytes(32);
      const tokenizer = keyed(Buffer.from(secret), bits, 1000);
      const bytes = Math.ceil(bits / 8);
      for (let i = 0; i < 50; i++) {
        const domain = ([TokenDomain.WifiAddress, TokenDomain.BleAddress, TokenDomain.WifiSignature, TokenDomain.BleSignature] as const)[i % 4]!;
        const value = crypto.randomBytes(6).readUIntBE(0, 6);
        const input = Buffer.alloc(7);
        input[0] = domain;
        input.writeUIntBE(value, 1, 6);
        const digest = crypto.createHmac('sha256', secret).update(input).digest();
        digest[bytes - 1]! &= (0xff << (bytes * 8 - bits)) & 0xff;
        expect(tokenizer.token(domain, value)).toBe(digest.toString('hex', 0, bytes));
      }
    }
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
    tokenizer.token(TokenDomain.WifiAddress, 1);
    // The HMAC's pad states are as good as the key.
    const { innerPadState, outerPadState } = (tokenizer as unknown as { hmac: Record<string, Int32Array> }).hmac;
    tokenizer.forgetKey();
    expect(secret.equals(Buffer.alloc(32))).toBe(true);
    expect([...innerPadState!, ...outerPadState!].every((word) => word === 0)).toBe(true);
    expect(() => tokenizer.token(TokenDomain.WifiAddress, 1)).toThrow(/no window key/);
  });

  it('forgets the tokens of the previous key when it takes a new one', () => {
    const tokenizer = keyed(key(), 32, 10);
    const before = tokenizer.token(TokenDomain.WifiAddress, 1);
    tokenizer.useKey(Buffer.alloc(32, 9));
    expect(tokenizer.token(TokenDomain.WifiAddress, 1)).not.toBe(before);
  });

  it('gives a check value of its key that tells keys apart and is not the key', () => {
    const secret = key();
    const tokenizer = keyed(Buffer.from(secret), 32, 10);
    const check = tokenizer.keyCheck();
    expect(check).toBe(crypto.createHmac('sha256', secret).update('footfall-check').digest('hex').slice(0, 16));
    expect(keyed(Buffer.from(secret), 64, 10).keyCheck()).toBe(check);
    expect(keyed(Buffer.alloc(32, 9), 32, 10).keyCheck()).not.toBe(check);
    expect(secret.toString('hex')).not.toContain(check);
    tokenizer.forgetKey();
    expect(() => tokenizer.keyCheck()).toThrow(/no window key/);
  });
});
