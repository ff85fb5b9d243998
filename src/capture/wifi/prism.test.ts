import { describe, expect, it } from 'vitest';
import { parsePrismHeader } from './prism.js';
import { avsHeader, parsedRadioHeader, prismHeader } from './synthetic-frames.fixtures.js';

const parse = (header: Buffer, length = header.length) => parsedRadioHeader(parsePrismHeader, header, length);

describe('parsePrismHeader', () => {
  it('reads the header length from msglen, the channel as MHz and a dBm signal', () => {
    expect(parse(prismHeader({ channel: 6, signal: -61, rssi: 40 }))).toEqual({
      ok: true,
      length: 144,
      rssi: -61,
      channel: 2437,
      fcsAtEnd: false,
      fcsFlaggedBad: false,
    });
  });

  it('reads both item numberings and both byte orders', () => {
    for (const didStyle of [1, 2] as const) {
      for (const bigEndian of [false, true]) {
        expect(parse(prismHeader({ channel: 36, signal: -70, didStyle, bigEndian })), `style ${didStyle} big-endian ${bigEndian}`).toMatchObject({
          ok: true,
          length: 144,
          rssi: -70,
          channel: 5180,
        });
      }
    }
  });

  it('falls back to the rssi item, and to NaN, when signal is not plausible as dBm', () => {
    // The aircrack Prism capture carries signal 57 and rssi 0: neither is dBm.
    expect(parse(prismHeader({ channel: 7, signal: 57, rssi: 0 }))).toMatchObject({ ok: true, rssi: Number.NaN, channel: 2442 });
    expect(parse(prismHeader({ channel: 7, signal: 57, rssi: -80 }))).toMatchObject({ rssi: -80 });
    expect(parse(prismHeader({ channel: 7, signal: -50 }))).toMatchObject({ rssi: -50 });
  });

  it('skips items that are not supplied and items with an unknown did', () => {
    const header = prismHeader({ signal: -66, channel: 11 });
    header.writeUInt32LE(0, 24 + 2 * 12); // the channel item's did
    expect(parse(header)).toMatchObject({ ok: true, rssi: -66, channel: 0 });
    expect(parse(prismHeader({ signal: undefined, channel: 1 }))).toMatchObject({ rssi: Number.NaN, channel: 2412 });
  });

  it('reads an AVS header found in a Prism file', () => {
    expect(parse(avsHeader({ channel: 11, ssiType: 2, ssiSignal: -58 }))).toMatchObject({ ok: true, length: 64, rssi: -58, channel: 2462 });
  });

  it('rejects a msglen shorter than the fixed part or longer than the captured bytes', () => {
    for (const msglen of [0, 23, 145]) {
      const header = prismHeader({});
      header.writeUInt32LE(msglen, 4);
      expect(parse(header).ok, `msglen ${msglen}`).toBe(false);
    }
  });

  it('rejects every cut of the header', () => {
    const header = prismHeader({ channel: 1, signal: -40 });
    for (let length = 0; length < header.length; length++) expect(parse(header, length).ok, `${length} bytes`).toBe(false);
  });
});
