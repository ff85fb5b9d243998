import { describe, expect, it } from 'vitest';
import { emptySighting } from '../sighting.js';
import { FrameVerdict, informationElementSignature, parseProbeRequest } from './ieee80211.js';
import { element, probeRequest, typicalElements } from './synthetic-frames.fixtures.js';

function parse(frame: Buffer, complete = true) {
  const out = emptySighting('wifi');
  const verdict = parseProbeRequest(frame, 0, frame.length, complete, out);
  return { verdict, out };
}

function signatureOf(elements: Buffer[]): number {
  const body = Buffer.concat(elements);
  return informationElementSignature(body, 0, body.length);
}

describe('parseProbeRequest', () => {
  it('reads addr2 as a 48-bit integer, first octet most significant, and the sequence number', () => {
    const { verdict, out } = parse(probeRequest({ address: 0xfe_dc_ba_98_76_54, sequence: 4095, elements: typicalElements('a', 6) }));
    expect(verdict).toBe(FrameVerdict.Accepted);
    expect(out.address).toBe(0xfe_dc_ba_98_76_54);
    expect(out.sequence).toBe(4095);
    expect(out.signature).not.toBe(0);
  });

  it('keeps the fragment number out of the sequence number', () => {
    const frame = probeRequest({ address: 1, sequence: 0x123 });
    frame[22] = frame[22]! | 0x0f; // fragment number 15
    expect(parse(frame).out.sequence).toBe(0x123);
  });

  it('skips the HT Control field when the Order bit is set', () => {
    const plain = parse(probeRequest({ address: 0x0a0b0c0d0e0f, elements: typicalElements('x', 1) }));
    const htc = parse(probeRequest({ address: 0x0a0b0c0d0e0f, elements: typicalElements('x', 1), htControl: true }));
    expect(htc.verdict).toBe(FrameVerdict.Accepted);
    expect(htc.out.address).toBe(0x0a0b0c0d0e0f);
    expect(htc.out.signature).toBe(plain.out.signature);
  });

  it('needs 28 header bytes when the Order bit is set', () => {
    const frame = probeRequest({ address: 1, htControl: true });
    expect(parse(frame.subarray(0, 27)).verdict).toBe(FrameVerdict.Malformed);
    expect(parse(frame.subarray(0, 28)).verdict).toBe(FrameVerdict.Accepted);
  });

  it.each([
    ['beacon', 0x80],
    ['probe response', 0x50],
    ['data', 0x08],
    ['QoS data', 0x88],
    ['ACK', 0xd4],
  ])('ignores a %s frame', (_name, fc0) => {
    expect(parse(probeRequest({ address: 1, frameControl: fc0 })).verdict).toBe(FrameVerdict.Ignored);
  });

  it('ignores a short control frame without reading past it', () => {
    expect(parse(Buffer.from([0xd4, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5, 6])).verdict).toBe(FrameVerdict.Ignored);
  });

  it('calls any protocol version but 0 malformed', () => {
    for (const version of [1, 2, 3]) {
      expect(parse(probeRequest({ address: 1, frameControl: 0x40 | version })).verdict).toBe(FrameVerdict.Malformed);
    }
  });

  it('calls a frame too short for frame control or the header malformed', () => {
    const frame = probeRequest({ address: 1 });
    for (let length = 0; length < 24; length++) {
      const verdict = parse(frame.subarray(0, length)).verdict;
      expect(verdict, `length ${length}`).toBe(FrameVerdict.Malformed);
    }
  });

  it('calls an element list that runs past the end of a complete frame malformed', () => {
    const frame = Buffer.concat([probeRequest({ address: 1 }), Buffer.from([1, 8, 2, 4])]);
    expect(parse(frame).verdict).toBe(FrameVerdict.Malformed);
    expect(parse(Buffer.concat([probeRequest({ address: 1 }), Buffer.from([1])])).verdict).toBe(FrameVerdict.Malformed);
  });

  it('accepts a frame cut by the snap length with signature 0 once its header is whole', () => {
    const frame = probeRequest({ address: 0x112233445566, sequence: 9, elements: typicalElements('cut', 11) });
    for (let length = 24; length < frame.length; length++) {
      const { verdict, out } = parse(frame.subarray(0, length), false);
      expect(verdict, `length ${length}`).toBe(FrameVerdict.Accepted);
      expect(out.signature).toBe(0);
      expect(out.address).toBe(0x112233445566);
      expect(out.sequence).toBe(9);
    }
    expect(parse(frame.subarray(0, 23), false).verdict).toBe(FrameVerdict.Malformed);
  });

  it('accepts zero-length vendor and unknown elements (seen in the fryza capture)', () => {
    const frame = probeRequest({ address: 1, elements: [...typicalElements('s', 6), element(150), element(150), element(221)] });
    const { verdict, out } = parse(frame);
    expect(verdict).toBe(FrameVerdict.Accepted);
    expect(out.signature).not.toBe(0);
  });

  it('accepts a probe request without elements', () => {
    const { verdict, out } = parse(probeRequest({ address: 1 }));
    expect(verdict).toBe(FrameVerdict.Accepted);
    expect(out.signature).not.toBe(0);
  });

  it('parses a frame in the middle of a buffer', () => {
    const frame = probeRequest({ address: 0x665544332211, sequence: 100, elements: typicalElements('m', 1) });
    const buf = Buffer.concat([Buffer.alloc(13, 0xee), frame, Buffer.from([1, 200])]);
    const out = emptySighting('wifi');
    expect(parseProbeRequest(buf, 13, 13 + frame.length, true, out)).toBe(FrameVerdict.Accepted);
    expect(out.address).toBe(0x665544332211);
    expect(out.signature).toBe(parse(frame).out.signature);
  });
});

describe('informationElementSignature', () => {
  const base = typicalElements('home', 1);

  it('does not depend on the SSID or the DS Parameter channel', () => {
    expect(signatureOf(typicalElements('office-network', 11))).toBe(signatureOf(base));
  });

  it('does not depend on vendor element bodies (a WPS UUID), only on OUI and type', () => {
    const wps = (uuid: number) => element(221, 0x00, 0x50, 0xf2, 0x04, 0x10, 0x47, 0x00, 0x10, uuid, uuid, uuid);
    expect(signatureOf([...base, wps(1)])).toBe(signatureOf([...base, wps(2)]));
    expect(signatureOf([...base, element(221, 0x00, 0x50, 0xf2, 0x05)])).not.toBe(signatureOf([...base, wps(1)]));
    expect(signatureOf([...base, element(221, 0x00, 0x17, 0xf2, 0x04)])).not.toBe(signatureOf([...base, wps(1)]));
  });

  it('changes with capability contents', () => {
    const changed = [...base];
    changed[1] = element(1, 0x82, 0x84, 0x8b, 0x96);
    expect(signatureOf(changed)).not.toBe(signatureOf(base));
    for (const id of [50, 45, 127, 191, 70]) {
      expect(signatureOf([...base, element(id, 1, 2, 3)])).not.toBe(signatureOf([...base, element(id, 1, 2, 4)]));
    }
  });

  it('changes with the order and set of elements', () => {
    const swapped = [base[1]!, base[0]!, ...base.slice(2)];
    expect(signatureOf(swapped)).not.toBe(signatureOf(base));
    expect(signatureOf(base.slice(0, -1))).not.toBe(signatureOf(base));
  });

  it('ignores the contents of other elements', () => {
    expect(signatureOf([...base, element(107, 1, 2, 3)])).toBe(signatureOf([...base, element(107, 9, 9)]));
  });

  it('ignores the current operating class but not the supported ones', () => {
    const classes = (current: number, ...supported: number[]) => signatureOf([...base, element(59, current, ...supported)]);
    expect(classes(81, 81, 115)).toBe(classes(115, 81, 115));
    expect(classes(81, 81, 115)).not.toBe(classes(81, 81, 116));
  });

  it('hashes the extension id of element-ID-extension elements and the HE Capabilities contents', () => {
    const ext = (...content: number[]) => signatureOf([...base, element(255, ...content)]);
    expect(ext(35, 1, 2, 3)).not.toBe(ext(35, 1, 2, 4));
    expect(ext(108, 1)).toBe(ext(108, 2));
    expect(ext(108, 1)).not.toBe(ext(35, 1));
  });

  it('tells apart contents that differ only in how many bytes end them, whole words or not', () => {
    // Vendor elements add their OUI and type without a length: 3 and 4 bytes must not meet.
    const vendor = (...content: number[]) => signatureOf([...base, element(221, ...content)]);
    expect(vendor(0x00, 0x50, 0xf2)).not.toBe(vendor(0x00, 0x50, 0xf2, 0x00));
    expect(vendor(0x00, 0x50)).not.toBe(vendor(0x00, 0x50, 0x00));
    const rates = (...content: number[]) => signatureOf([...base.slice(1), element(1, ...content)]);
    expect(rates(0x82, 0x84, 0x8b, 0x96)).not.toBe(rates(0x82, 0x84, 0x8b, 0x96, 0x00));
    expect(rates(0x82, 0x84, 0x8b, 0x96, 0x0c)).not.toBe(rates(0x82, 0x84, 0x8b, 0x96, 0x0d));
  });

  it('is -1 for a broken element list and never 0', () => {
    expect(informationElementSignature(Buffer.from([0, 5, 1]), 0, 3)).toBe(-1);
    expect(informationElementSignature(Buffer.from([0]), 0, 1)).toBe(-1);
    for (let id = 0; id < 256; id++) {
      expect(signatureOf([element(id, id, 1), element(255 - id)])).toBeGreaterThan(0);
    }
  });
});
