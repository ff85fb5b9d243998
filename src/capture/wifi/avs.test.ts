import { describe, expect, it } from 'vitest';
import { parseAvsHeader, startsWithAvsVersion } from './avs.js';
import { avsHeader, parsedRadioHeader } from './synthetic-frames.fixtures.js';

const parse = (header: Buffer, length = header.length) => parsedRadioHeader(parseAvsHeader, header, length);

describe('parseAvsHeader', () => {
  it('reads the header length, the channel as MHz and a dBm signal', () => {
    expect(parse(avsHeader({ channel: 1, ssiType: 2, ssiSignal: -77 }))).toEqual({
      ok: true,
      length: 64,
      rssi: -77,
      channel: 2412,
      fcsAtEnd: false,
      fcsFlaggedBad: false,
    });
  });

  it('reads the signal only when ssi_type says dBm', () => {
    for (const ssiType of [0, 1, 3]) {
      expect(parse(avsHeader({ channel: 1, ssiType, ssiSignal: -77 })).rssi, `ssi_type ${ssiType}`).toBeNaN();
    }
  });

  it('accepts version 2 with a longer header', () => {
    expect(parse(avsHeader({ version: 0x80211002, length: 72, channel: 149, ssiType: 2, ssiSignal: -64 }))).toMatchObject({
      ok: true,
      length: 72,
      rssi: -64,
      channel: 5745,
    });
  });

  it('rejects another version word, a length below 64 or beyond the captured bytes', () => {
    expect(parse(avsHeader({ version: 0x80221001 })).ok).toBe(false);
    expect(parse(avsHeader({ length: 60 })).ok).toBe(false);
    const long = avsHeader({ length: 64 });
    long.writeUInt32BE(65, 4);
    expect(parse(long).ok).toBe(false);
  });

  it('rejects every cut of the header', () => {
    const header = avsHeader({ channel: 1 });
    for (let length = 0; length < header.length; length++) expect(parse(header, length).ok, `${length} bytes`).toBe(false);
  });

  it('recognises the version word only with all four bytes', () => {
    const header = avsHeader({});
    expect(startsWithAvsVersion(header, 0, 4)).toBe(true);
    expect(startsWithAvsVersion(header, 0, 3)).toBe(false);
    expect(startsWithAvsVersion(Buffer.concat([Buffer.alloc(8), header]), 8, 12)).toBe(true);
  });
});
