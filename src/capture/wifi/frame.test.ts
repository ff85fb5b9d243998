import { describe, expect, it } from 'vitest';
import { emptySighting } from '../sighting.js';
import { heardFields } from '../sighting.fixtures.js';
import { FrameVerdict, parseWifiFrame } from './frame.js';
import {
  avsHeader,
  element,
  prismHeader,
  probeRequest,
  radiotap,
  radiotapField as field,
  typicalElements,
  withFcs,
} from './synthetic-frames.fixtures.js';

const ADDRESS = 0xda_a1_19_01_02_03;
const body = probeRequest({ address: ADDRESS, sequence: 1234, elements: typicalElements('guest', 6) });
const radiotapPlain = radiotap([0x00000828], [field.channel(2437, 0x0080), field.dbmSignal(-63), field.antenna(0)]);
const radiotapWithFcs = (flags = 0x10) => radiotap([0x2e], [field.flags(flags), field.rate(2), field.channel(2437), field.dbmSignal(-63)]);

/** Copies the frame to `start` in a large buffer full of other bytes, as libpcap and a batch hand it over. */
function inPcapBuffer(frame: Buffer, start = 0): Buffer {
  const buf = Buffer.alloc(start + 65535, 0xab);
  frame.copy(buf, start);
  return buf;
}

/** Parses the frame at the start of a buffer and after other packets in a batch; both must agree. */
function parse(linkType: number, frame: Buffer, checkFcs = true, originalLength = frame.length, length = frame.length) {
  const [atStart, inBatch] = [0, 36].map((start) => {
    const out = emptySighting('wifi');
    const verdict = parseWifiFrame(linkType, inPcapBuffer(frame, start), start, length, out, { checkFcs }, originalLength);
    return { verdict, out: heardFields(out) };
  });
  expect(inBatch).toEqual(atStart);
  return atStart!;
}

const reference = parse(127, Buffer.concat([radiotapPlain, body])).out;

describe('parseWifiFrame', () => {
  it('fills the sighting from a radiotap probe request', () => {
    const out = emptySighting('wifi');
    out.addressType = 1;
    const frame = Buffer.concat([radiotapPlain, body]);
    expect(parseWifiFrame(127, inPcapBuffer(frame), 0, frame.length, out, { checkFcs: true })).toBe(FrameVerdict.Accepted);
    expect(out).toMatchObject({ source: 'wifi', address: ADDRESS, addressType: 0, rssi: -63, channel: 2437, sequence: 1234 });
    expect(out.signature).toBeGreaterThan(0);
  });

  it('reads the same 802.11 frame behind every radio header', () => {
    const cases: Array<[number, Buffer, number, number]> = [
      [105, body, Number.NaN, 0],
      [119, Buffer.concat([prismHeader({ channel: 6, signal: -63 }), body]), -63, 2437],
      [119, Buffer.concat([avsHeader({ channel: 6, ssiType: 2, ssiSignal: -63 }), body]), -63, 2437],
      [163, Buffer.concat([avsHeader({ channel: 6, ssiType: 2, ssiSignal: -63 }), body]), -63, 2437],
      [127, Buffer.concat([radiotapWithFcs(), withFcs(body)]), -63, 2437],
    ];
    for (const [linkType, frame, rssi, channel] of cases) {
      const { verdict, out } = parse(linkType, frame);
      expect(verdict, `link type ${linkType}`).toBe(FrameVerdict.Accepted);
      expect(out).toMatchObject({ address: ADDRESS, sequence: 1234, signature: reference.signature, rssi, channel });
    }
  });

  it('ignores frames that are not probe requests on every link type', () => {
    const beacon = probeRequest({ address: ADDRESS, frameControl: 0x80, elements: typicalElements('ap', 1) });
    expect(parse(105, beacon).verdict).toBe(FrameVerdict.Ignored);
    expect(parse(119, Buffer.concat([prismHeader({}), beacon])).verdict).toBe(FrameVerdict.Ignored);
    expect(parse(127, Buffer.concat([radiotapPlain, beacon])).verdict).toBe(FrameVerdict.Ignored);
    expect(parse(163, Buffer.concat([avsHeader({}), beacon])).verdict).toBe(FrameVerdict.Ignored);
  });

  it('calls a frame of a link type it does not read malformed', () => {
    expect(parse(1, body).verdict).toBe(FrameVerdict.Malformed);
    expect(parse(256, body).verdict).toBe(FrameVerdict.Malformed);
  });

  it('calls negative and NaN lengths malformed', () => {
    const out = emptySighting('wifi');
    expect(parseWifiFrame(105, body, 0, -1, out, { checkFcs: true })).toBe(FrameVerdict.Malformed);
    expect(parseWifiFrame(105, body, 0, Number.NaN, out, { checkFcs: true })).toBe(FrameVerdict.Malformed);
  });

  it('reads no further than the buffer: a longer length counts as a frame cut short', () => {
    const out = emptySighting('wifi');
    expect(parseWifiFrame(105, body, 0, body.length + 100, out, { checkFcs: true })).toBe(FrameVerdict.Accepted);
    expect(out).toMatchObject({ address: ADDRESS, signature: 0 });
    const batch = Buffer.concat([Buffer.alloc(12), body]);
    expect(parseWifiFrame(105, batch, 12, body.length + 100, out, { checkFcs: true })).toBe(FrameVerdict.Accepted);
    expect(out).toMatchObject({ address: ADDRESS, signature: 0 });
  });
});

describe('parseWifiFrame: frame check sequence', () => {
  const good = Buffer.concat([radiotapWithFcs(), withFcs(body)]);
  const bad = Buffer.from(good);
  bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff;

  it('accepts a good FCS and strips it before reading the elements', () => {
    expect(parse(127, good)).toMatchObject({ verdict: FrameVerdict.Accepted, out: { signature: reference.signature } });
  });

  it('reports a bad FCS when checking, and strips it all the same when not', () => {
    expect(parse(127, bad).verdict).toBe(FrameVerdict.BadFcs);
    expect(parse(127, bad, false)).toMatchObject({ verdict: FrameVerdict.Accepted, out: { signature: reference.signature } });
  });

  it('honours the driver flag for a bad FCS, with or without the FCS bytes', () => {
    expect(parse(127, Buffer.concat([radiotapWithFcs(0x50), withFcs(body)])).verdict).toBe(FrameVerdict.BadFcs);
    expect(parse(127, Buffer.concat([radiotapWithFcs(0x50), withFcs(body)]), false).verdict).toBe(FrameVerdict.Accepted);
    expect(parse(127, Buffer.concat([radiotapWithFcs(0x40), body])).verdict).toBe(FrameVerdict.BadFcs);
  });

  it('keeps the last four bytes when the header says there is no FCS', () => {
    const framed = Buffer.concat([radiotapWithFcs(0x00), withFcs(body)]);
    // The FCS bytes are read as an element: they break the list or change the signature.
    const { verdict, out } = parse(127, framed);
    expect(verdict === FrameVerdict.Accepted && out.signature === reference.signature).toBe(false);
    expect(parse(127, Buffer.concat([radiotapWithFcs(0x00), body])).out.signature).toBe(reference.signature);
  });

  it('calls a frame too short to hold the FCS the header promises malformed', () => {
    const header = radiotapWithFcs();
    expect(parse(127, Buffer.concat([header, Buffer.from([0x40, 0, 0])])).verdict).toBe(FrameVerdict.Malformed);
  });

  it('recognises and strips an FCS on link types whose header cannot announce one', () => {
    expect(parse(105, withFcs(body))).toMatchObject({ verdict: FrameVerdict.Accepted, out: { signature: reference.signature } });
    const prism = Buffer.concat([prismHeader({ channel: 6, signal: -63 }), withFcs(body)]);
    expect(parse(119, prism)).toMatchObject({ verdict: FrameVerdict.Accepted, out: { signature: reference.signature } });
    // An element list that happens to end in four bytes still counts whole when they are no CRC.
    const tail = probeRequest({ address: ADDRESS, elements: [element(1, 2, 4), element(7, 0x55, 0x53)] });
    expect(parse(105, tail).out.signature).not.toBe(parse(105, probeRequest({ address: ADDRESS, elements: [element(1, 2, 4)] })).out.signature);
  });
});

describe('parseWifiFrame: truncation at every byte', () => {
  const full = Buffer.concat([radiotapWithFcs(), withFcs(body)]);
  const headerLength = 15;
  const bodyEnd = full.length - 4;

  it('accepts a frame cut by the snap length once its 802.11 header is whole', () => {
    for (let length = 0; length < full.length; length++) {
      const { verdict, out } = parse(127, full, true, full.length, length);
      if (length < headerLength + 24) {
        expect(verdict, `${length} bytes`).toBe(FrameVerdict.Malformed);
        continue;
      }
      expect(verdict, `${length} bytes`).toBe(FrameVerdict.Accepted);
      expect(out.address).toBe(ADDRESS);
      // Cut inside the FCS only: the elements are whole, the FCS cannot be checked.
      expect(out.signature, `${length} bytes`).toBe(length >= bodyEnd ? reference.signature : 0);
    }
  });

  it('calls a frame that ends early (no snap length cut) malformed or bad FCS, never accepted', () => {
    for (let length = 0; length < full.length; length++) {
      const { verdict } = parse(127, full.subarray(0, length), true);
      const expected = length < headerLength + 4 ? FrameVerdict.Malformed : FrameVerdict.BadFcs;
      expect(verdict, `${length} bytes`).toBe(expected);
    }
  });

  it('calls a plain 802.11 frame that ends inside an element malformed', () => {
    const boundaries = new Set<number>([24]);
    let offset = 24;
    while (offset < body.length) {
      offset += 2 + body[offset + 1]!;
      boundaries.add(offset);
    }
    for (let length = 0; length < body.length; length++) {
      const { verdict } = parse(105, body.subarray(0, length));
      expect(verdict, `${length} bytes`).toBe(boundaries.has(length) ? FrameVerdict.Accepted : FrameVerdict.Malformed);
    }
  });
});
