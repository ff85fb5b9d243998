import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HmacSha256, MAX_MESSAGE_BYTES } from './hmac-sha256.js';

/** The digest as bytes, most significant byte of each word first. */
function digestBytes(words: Int32Array): Buffer {
  const bytes = Buffer.alloc(32);
  words.forEach((word, i) => bytes.writeInt32BE(word, i * 4));
  return bytes;
}

describe('HmacSha256', () => {
  it('gives the RFC 4231 test case 2 digest', () => {
    const hmac = new HmacSha256(Buffer.from('Jefe'));
    const message = Buffer.from('what do ya want for nothing?');
    expect(digestBytes(hmac.mac(message, message.length)).toString('hex')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('equals crypto.createHmac for random keys of 0..64 bytes and messages of 0..55 bytes', () => {
    for (let round = 0; round < 2000; round++) {
      const key = crypto.randomBytes(round % 65);
      const message = crypto.randomBytes(crypto.randomInt(MAX_MESSAGE_BYTES + 1));
      const hmac = new HmacSha256(key);
      expect(digestBytes(hmac.mac(message, message.length))).toEqual(crypto.createHmac('sha256', key).update(message).digest());
    }
  });

  it('reads only the given length of a longer buffer, and gives the same digest again', () => {
    const key = crypto.randomBytes(32);
    const hmac = new HmacSha256(key);
    const buffer = crypto.randomBytes(40);
    const expected = crypto.createHmac('sha256', key).update(buffer.subarray(0, 7)).digest();
    expect(digestBytes(hmac.mac(buffer, 7))).toEqual(expected);
    expect(digestBytes(hmac.mac(buffer, 7))).toEqual(expected);
  });

  it('refuses keys that would need hashing and messages beyond one block', () => {
    expect(() => new HmacSha256(Buffer.alloc(65))).toThrow(RangeError);
    const hmac = new HmacSha256(Buffer.alloc(32, 1));
    expect(() => hmac.mac(Buffer.alloc(56), 56)).toThrow(RangeError);
    expect(() => hmac.mac(Buffer.alloc(4), 5)).toThrow(RangeError);
  });

  it('overwrites the pad states, schedule and digest when erased', () => {
    const hmac = new HmacSha256(crypto.randomBytes(32));
    hmac.mac(Buffer.from('footfall'), 8);
    hmac.erase();
    const internals = hmac as unknown as Record<'innerPadState' | 'outerPadState' | 'schedule' | 'digest', Int32Array>;
    for (const name of ['innerPadState', 'outerPadState', 'schedule', 'digest'] as const) {
      expect(internals[name].every((word) => word === 0), name).toBe(true);
    }
  });
});
