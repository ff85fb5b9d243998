import { describe, expect, it } from 'vitest';
import { parseRadiotapHeader } from './radiotap.js';
import { parsedRadioHeader, radiotap, radiotapField as field, type RadiotapItem } from './synthetic-frames.fixtures.js';

const EXT = 0x80000000;
const VENDOR_NS = 0x40000000;
const RADIOTAP_NS = 0x20000000;
const bit = (n: number) => 2 ** n;

const parse = (header: Buffer, length = header.length) => parsedRadioHeader(parseRadiotapHeader, header, length);

/**
 * Alignment and size of each radiotap field 0..27, as radiotap.org defines them; the
 * parser's own table is checked against this one field by field below.
 */
const STANDARD_FIELDS: ReadonlyArray<[name: string, align: number, size: number]> = [
  ['TSFT', 8, 8],
  ['Flags', 1, 1],
  ['Rate', 1, 1],
  ['Channel', 2, 4],
  ['FHSS', 2, 2],
  ['dBm antenna signal', 1, 1],
  ['dBm antenna noise', 1, 1],
  ['lock quality', 2, 2],
  ['TX attenuation', 2, 2],
  ['dB TX attenuation', 2, 2],
  ['dBm TX power', 1, 1],
  ['antenna', 1, 1],
  ['dB antenna signal', 1, 1],
  ['dB antenna noise', 1, 1],
  ['RX flags', 2, 2],
  ['TX flags', 2, 2],
  ['RTS retries', 1, 1],
  ['data retries', 1, 1],
  ['XChannel', 4, 8],
  ['MCS', 1, 3],
  ['A-MPDU status', 4, 8],
  ['VHT', 2, 12],
  ['timestamp', 8, 12],
  ['HE', 2, 12],
  ['HE-MU', 2, 12],
  ['HE-MU-other-user', 2, 6],
  ['0-length-PSDU', 1, 1],
  ['L-SIG', 2, 4],
];

describe('parseRadiotapHeader: layouts found in real captures (captures README, section 5.3)', () => {
  it('reads the 14-byte ESP32 header without Flags (fryza)', () => {
    // Channel 2442 MHz, dBm signal -81, antenna 0; present word 0x00000828.
    const header = Buffer.from([0x00, 0x00, 0x0e, 0x00, 0x28, 0x08, 0x00, 0x00, 0x8a, 0x09, 0x80, 0x00, 0xaf, 0x00]);
    expect(parse(header)).toEqual({ ok: true, length: 14, rssi: -81, channel: 2442, fcsAtEnd: false, fcsFlaggedBad: false });
  });

  it('reads the 15-byte header with Flags saying an FCS follows (baccichet)', () => {
    // Present word 0x2e: Flags 0x10, Rate 1 Mb/s, Channel 2462 MHz, dBm signal -46.
    const header = Buffer.from([0x00, 0x00, 0x0f, 0x00, 0x2e, 0x00, 0x00, 0x00, 0x10, 0x02, 0x9e, 0x09, 0xa0, 0x00, 0xd2]);
    expect(parse(header)).toEqual({ ok: true, length: 15, rssi: -46, channel: 2462, fcsAtEnd: true, fcsFlaggedBad: false });
  });

  it('reads the 36-byte header with two present words, keeping the first antenna signal', () => {
    const header = radiotap(
      [0xa000402f, 0x00000820],
      [field.tsft(), field.flags(0), field.rate(2), field.channel(5180, 0x0140), field.dbmSignal(-60), field.rxFlags(), field.dbmSignal(-58), field.antenna(0)],
    );
    expect(header.length).toBe(36);
    expect(parse(header)).toMatchObject({ ok: true, length: 36, rssi: -60, channel: 5180 });
  });

  it('reads the 38-byte multi-antenna header of the aircrack radiotap capture', () => {
    const header = Buffer.from([
      0x00, 0x00, 0x26, 0x00, 0x2f, 0x40, 0x00, 0xa0, 0x20, 0x08, 0x00, 0xa0, 0x20, 0x08, 0x00, 0x00, 0x3e, 0xb7, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x10, 0x02, 0x85, 0x09, 0xa0, 0x00, 0xaa, 0x00, 0x00, 0x00, 0xa5, 0x00, 0xa9, 0x01,
    ]);
    expect(parse(header)).toEqual({ ok: true, length: 38, rssi: -86, channel: 2437, fcsAtEnd: true, fcsFlaggedBad: false });
  });
});

describe('parseRadiotapHeader: fields', () => {
  it.each(STANDARD_FIELDS.map(([name, align, size], index) => ({ name, align, size, index })).filter(({ index }) => index !== 1))(
    'sizes and aligns field $index ($name) after an odd-length Flags field',
    ({ align, size, index }) => {
      // Word 0: Flags and the field under test; word 1 (a fresh radiotap namespace): a dBm signal,
      // which has no alignment of its own and so is read right after the field under test.
      const underTest: RadiotapItem = { align, bytes: Array.from({ length: size }, () => 0xee) };
      const word0Items = index === 0 ? [underTest, field.flags(0)] : [field.flags(0), underTest];
      const header = radiotap([bit(1) + bit(index) + RADIOTAP_NS + EXT, bit(5) + bit(11)], [...word0Items, field.dbmSignal(-42), field.antenna(1)]);
      const rssi = index === 5 ? -18 : -42; // 0xee read as dBm signal: the first one wins
      const channel = index === 3 || index === 18 ? 0xeeee : 0;
      expect(parse(header)).toMatchObject({ ok: true, length: header.length, rssi, channel });
    },
  );

  it('reads every field 0..27 in one word, then a signal in the next namespace', () => {
    const items: RadiotapItem[] = STANDARD_FIELDS.filter((_, index) => index !== 5).map(([, align, size], index) => {
      if (index === 1) return field.flags(0x10);
      if (index === 3) return field.channel(2437);
      return { align, bytes: Array.from({ length: size }, () => 0xee) };
    });
    const header = radiotap([2 ** 28 - 1 - bit(5) + RADIOTAP_NS + EXT, bit(5)], [...items, field.dbmSignal(-67)]);
    expect(parse(header)).toMatchObject({ ok: true, length: header.length, rssi: -67, channel: 2437, fcsAtEnd: true });
  });

  it('takes the channel from XChannel when there is no Channel field, and prefers Channel', () => {
    expect(parse(radiotap([bit(1) + bit(18)], [field.flags(0), field.xchannel(5745)]))).toMatchObject({ ok: true, channel: 5745 });
    expect(parse(radiotap([bit(3) + bit(18)], [field.channel(2412), field.xchannel(5745)]))).toMatchObject({ channel: 2412 });
  });

  it('reads the driver flags for FCS present and FCS bad', () => {
    expect(parse(radiotap([bit(1)], [field.flags(0x50)]))).toMatchObject({ fcsAtEnd: true, fcsFlaggedBad: true });
    expect(parse(radiotap([bit(1)], [field.flags(0x20)]))).toMatchObject({ fcsAtEnd: false, fcsFlaggedBad: false });
  });

  it('pads TSFT to 8 bytes from the header start, not from the fields', () => {
    // One present word: TSFT at 8, no pad. Two words: fields start at 12, TSFT at 16.
    const one = radiotap([bit(0) + bit(5)], [field.tsft(), field.dbmSignal(-30)]);
    const two = radiotap([bit(0) + bit(5) + EXT, 0], [field.tsft(), field.dbmSignal(-30)]);
    expect([one.length, two.length]).toEqual([17, 25]);
    expect(parse(one)).toMatchObject({ ok: true, rssi: -30 });
    expect(parse(two)).toMatchObject({ ok: true, rssi: -30 });
  });

  it('gives NaN and 0 when the header carries no signal or channel', () => {
    expect(parse(radiotap([0], []))).toEqual({ ok: true, length: 8, rssi: Number.NaN, channel: 0, fcsAtEnd: false, fcsFlaggedBad: false });
  });
});

describe('parseRadiotapHeader: namespaces', () => {
  it('skips a vendor namespace by its skip length and reads the radiotap fields after it', () => {
    for (const vendorData of [[], [1], [1, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
      const header = radiotap(
        [bit(1) + VENDOR_NS + EXT, bit(0) + bit(1) + bit(2) + RADIOTAP_NS + EXT, bit(3) + bit(5)],
        [field.flags(0x10), field.vendorNamespace(vendorData), field.channel(2472), field.dbmSignal(-71)],
      );
      expect(parse(header), `${vendorData.length} bytes of vendor data`).toMatchObject({
        ok: true,
        length: header.length,
        rssi: -71,
        channel: 2472,
        fcsAtEnd: true,
      });
    }
  });

  it('aligns the vendor namespace field to 2 bytes', () => {
    // Flags then the vendor namespace: one pad byte before it.
    const header = radiotap([bit(1) + VENDOR_NS + EXT, RADIOTAP_NS + EXT, bit(5)], [field.flags(0), field.vendorNamespace([7]), field.dbmSignal(-55)]);
    expect(header.length).toBe(16 + 1 + 1 + 6 + 1 + 1);
    expect(parse(header)).toMatchObject({ ok: true, rssi: -55 });
  });

  it('follows one vendor namespace with another', () => {
    const header = radiotap(
      [VENDOR_NS + EXT, VENDOR_NS + EXT, RADIOTAP_NS + EXT, bit(5)],
      [field.vendorNamespace([1, 2, 3]), field.vendorNamespace([4]), field.dbmSignal(-44)],
    );
    expect(parse(header)).toMatchObject({ ok: true, rssi: -44 });
  });

  it('stops at a field it does not know but still gives the header length', () => {
    // Word 1 continues the radiotap namespace without a reset: its bit 0 is field 32.
    const unknown = radiotap([bit(5) + EXT, bit(0)], [field.dbmSignal(-50), { align: 1, bytes: [9, 9, 9] }]);
    expect(parse(unknown)).toMatchObject({ ok: true, length: unknown.length, rssi: -50 });
    // Bit 28 (TLVs) ends the fixed fields.
    const tlv = radiotap([bit(1) + bit(28)], [field.flags(0x10), { align: 4, bytes: [1, 0, 4, 0, 0, 0, 0, 0] }]);
    expect(parse(tlv)).toMatchObject({ ok: true, length: tlv.length, fcsAtEnd: true });
  });
});

describe('parseRadiotapHeader: malformed headers', () => {
  const good = radiotap([bit(1) + bit(3) + bit(5)], [field.flags(0), field.channel(2412), field.dbmSignal(-40)]);

  it('accepts the reference header', () => {
    expect(parse(good).ok).toBe(true);
  });

  it('rejects a version other than 0', () => {
    const header = Buffer.from(good);
    header[0] = 1;
    expect(parse(header).ok).toBe(false);
  });

  it('rejects a header length below 8 or beyond the captured bytes', () => {
    for (const length of [0, 7]) {
      const header = Buffer.from(good);
      header.writeUInt16LE(length, 2);
      expect(parse(header).ok, `length ${length}`).toBe(false);
    }
    expect(parse(good, good.length - 1).ok).toBe(false);
  });

  it('rejects every cut of the header', () => {
    for (let length = 0; length < good.length; length++) expect(parse(good.subarray(0, length)).ok, `${length} bytes`).toBe(false);
  });

  it('rejects present words that run past the header length', () => {
    const header = radiotap([EXT], []);
    expect(header.length).toBe(8);
    expect(parse(header).ok).toBe(false);
  });

  it('rejects a field that runs past the header length', () => {
    const header = Buffer.from(good);
    header.writeUInt16LE(good.length - 1, 2);
    expect(parse(header).ok).toBe(false);
  });

  it('rejects a vendor namespace whose skip length runs past the header length', () => {
    const header = radiotap([VENDOR_NS], [field.vendorNamespace([1, 2])]);
    header.writeUInt16LE(3, 8 + 4);
    expect(parse(header).ok).toBe(false);
  });
});
