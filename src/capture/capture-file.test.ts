import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureFileError, linkTypeName, sniffCaptureFile, sniffWifiCaptureFile } from './capture-file.js';
import { pcapFile, pcapngFile, probeRequest, tempCaptureDir } from './wifi/synthetic-frames.fixtures.js';

const CAPTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/captures');
const haveCaptures = fs.existsSync(CAPTURES);

const temp = tempCaptureDir('footfall-capture-file-');
afterAll(() => temp.remove());
const { dir } = temp;
const file = (content: Buffer, name?: string) => temp.write(content, name);

function errorOf(sniff: () => unknown): CaptureFileError {
  try {
    sniff();
  } catch (error) {
    if (error instanceof CaptureFileError) return error;
    throw error;
  }
  throw new Error('expected a CaptureFileError');
}

const frame = { timeMs: 1_700_000_000_000, data: probeRequest({ address: 0x0200_0000_0001 }) };

describe('sniffCaptureFile', () => {
  it.each([
    { bigEndian: false, nanoseconds: false },
    { bigEndian: true, nanoseconds: false },
    { bigEndian: false, nanoseconds: true },
    { bigEndian: true, nanoseconds: true },
  ])('reads a classic pcap header (big-endian $bigEndian, nanoseconds $nanoseconds)', ({ bigEndian, nanoseconds }) => {
    const target = file(pcapFile(127, [frame], { bigEndian, nanoseconds }));
    expect(sniffCaptureFile(target)).toEqual({ format: 'pcap', linkType: 127, littleEndian: !bigEndian, nanoseconds });
  });

  it('reads the link type from the low 16 bits of the link-type word (the high bits carry FCS information)', () => {
    const bytes = pcapFile(105, [frame]);
    bytes.writeUInt32LE(0x1000_0000 | 105, 20);
    expect(sniffCaptureFile(file(bytes)).linkType).toBe(105);
  });

  it.each([false, true])('reads the first interface of a pcapng file (big-endian %s)', (bigEndian) => {
    const target = file(pcapngFile(119, [frame], { bigEndian }));
    expect(sniffCaptureFile(target)).toEqual({ format: 'pcapng', linkType: 119, littleEndian: !bigEndian, nanoseconds: false });
  });

  it('walks past other blocks to the first interface description', () => {
    const blocksBeforeInterface = [
      { type: 4, body: Buffer.alloc(8) },
      { type: 0x0bad, body: Buffer.alloc(301, 7) },
    ];
    expect(sniffCaptureFile(file(pcapngFile(256, [frame], { blocksBeforeInterface }))).linkType).toBe(256);
  });

  it('reads a btsnoop header', () => {
    const header = Buffer.alloc(16);
    header.write('btsnoop\0', 0, 'latin1');
    header.writeUInt32BE(1, 8);
    header.writeUInt32BE(1002, 12);
    expect(sniffCaptureFile(file(header, 'btsnoop_hci.log'))).toEqual({ format: 'btsnoop', linkType: 1002, littleEndian: false, nanoseconds: false });
  });
});

describe('sniffCaptureFile: errors', () => {
  it('says the file is missing, unreadable or a directory (exit code 66)', () => {
    const missing = errorOf(() => sniffCaptureFile(path.join(dir, 'absent.pcap')));
    expect(missing.message).toBe(`${path.join(dir, 'absent.pcap')}: no such file`);
    expect(missing.exitCode).toBe(66);
    const directory = errorOf(() => sniffCaptureFile(dir));
    expect(directory.message).toBe(`${dir}: is a directory, not a capture file`);
    expect(directory.exitCode).toBe(66);
  });

  it('says the file is empty (exit code 65)', () => {
    const target = file(Buffer.alloc(0), 'capture.pcap');
    const error = errorOf(() => sniffCaptureFile(target));
    expect(error.message).toBe(`${target}: empty file`);
    expect(error.exitCode).toBe(65);
  });

  it('says how much of a pcap header there is', () => {
    const whole = pcapFile(127, []);
    for (const length of [2, 6, 23]) {
      const target = file(whole.subarray(0, length));
      expect(errorOf(() => sniffCaptureFile(target)).message).toBe(`${target}: truncated pcap header (${length} of 24 bytes)`);
    }
  });

  it('says how much of a pcapng section header or btsnoop header there is', () => {
    const pcapng = file(pcapngFile(127, []).subarray(0, 20));
    expect(errorOf(() => sniffCaptureFile(pcapng)).message).toBe(`${pcapng}: truncated pcapng section header (20 of 28 bytes)`);
    const btsnoop = file(Buffer.from('btsnoop\0\0\0', 'latin1'));
    expect(errorOf(() => sniffCaptureFile(btsnoop)).message).toBe(`${btsnoop}: truncated btsnoop header (10 of 16 bytes)`);
  });

  it('names the first bytes of something that is not a capture file', () => {
    const target = file(Buffer.from('hello, world\n'));
    const error = errorOf(() => sniffCaptureFile(target));
    expect(error.message).toBe(`${target}: not a capture file (starts with 0x68656c6c)`);
    expect(error.exitCode).toBe(65);
  });

  it('refuses pcapng files without a usable interface description', () => {
    const bytes = pcapngFile(127, [frame]);
    const sectionLength = bytes.readUInt32LE(4);
    const noInterface = Buffer.concat([bytes.subarray(0, sectionLength)]);
    expect(errorOf(() => sniffCaptureFile(file(noInterface))).message).toMatch(/: pcapng file without an interface description block$/);
    // The enhanced packet block moved in front of the interface description block.
    const idbLength = bytes.readUInt32LE(sectionLength + 4);
    const packetFirst = Buffer.concat([
      bytes.subarray(0, sectionLength),
      bytes.subarray(sectionLength + idbLength),
      bytes.subarray(sectionLength, sectionLength + idbLength),
    ]);
    expect(errorOf(() => sniffCaptureFile(file(packetFirst))).message).toMatch(/: pcapng packet before any interface description block$/);
    const badOrder = Buffer.from(bytes);
    badOrder.writeUInt32LE(0x12345678, 8);
    expect(errorOf(() => sniffCaptureFile(file(badOrder))).message).toMatch(/: pcapng section header without a byte-order magic$/);
  });

  it('keeps the message on one line whatever the file is called', () => {
    const target = file(Buffer.alloc(0), 'two\nlines.pcap');
    expect(errorOf(() => sniffCaptureFile(target)).message).toBe(`${path.join(dir, 'two?lines.pcap')}: empty file`);
  });
});

describe('sniffWifiCaptureFile', () => {
  it('accepts the four Wi-Fi link types', () => {
    for (const linkType of [105, 119, 127, 163]) expect(sniffWifiCaptureFile(file(pcapFile(linkType, [frame]))).linkType).toBe(linkType);
  });

  it('names the link type of anything else', () => {
    const ethernet = file(pcapFile(1, [frame]));
    expect(errorOf(() => sniffWifiCaptureFile(ethernet)).message).toBe(
      `${ethernet}: link type 1 (ETHERNET) is not a Wi-Fi link type; footfall reads 105, 119, 127 and 163`,
    );
    const odd = file(pcapFile(4242, [frame]));
    expect(errorOf(() => sniffWifiCaptureFile(odd)).message).toBe(
      `${odd}: link type 4242 (unknown) is not a Wi-Fi link type; footfall reads 105, 119, 127 and 163`,
    );
  });

  it('has names for the common link types', () => {
    expect([1, 105, 119, 127, 163, 187, 201, 251, 256, 272].map(linkTypeName)).toEqual([
      'ETHERNET',
      'IEEE802_11',
      'IEEE802_11_PRISM',
      'IEEE802_11_RADIOTAP',
      'IEEE802_11_AVS',
      'BLUETOOTH_HCI_H4',
      'BLUETOOTH_HCI_H4_WITH_PHDR',
      'BLUETOOTH_LE_LL',
      'BLUETOOTH_LE_LL_WITH_PHDR',
      'NORDIC_BLE',
    ]);
  });
});

describe.skipIf(!haveCaptures)('capture files in ../shared/captures (needs the shared captures)', () => {
  const capture = (name: string) => path.join(CAPTURES, name);

  it('identifies every Wi-Fi capture', () => {
    expect(sniffWifiCaptureFile(capture('wifi/fryza_sc6-61_2024-04-18_pos1.pcap')).linkType).toBe(127);
    expect(sniffWifiCaptureFile(capture('wifi/aircrack_n-02_linktype105.cap')).linkType).toBe(105);
    expect(sniffWifiCaptureFile(capture('wifi/aircrack_test1_radiotap_mixed.pcap')).linkType).toBe(127);
    expect(sniffWifiCaptureFile(capture('wifi/aircrack_wpa_prism119.cap')).linkType).toBe(119);
    for (const name of fs.readdirSync(capture('wifi/baccichet_labelled'))) {
      expect(sniffWifiCaptureFile(capture(`wifi/baccichet_labelled/${name}`)).linkType).toBe(127);
    }
  });

  it('calls the headerless pcap tail not a capture file', () => {
    const target = capture('wifi/edge/aircrack_wep_64_ptw_02_headerless.cap');
    const error = errorOf(() => sniffWifiCaptureFile(target));
    expect(error.message).toBe(`${target}: not a capture file (starts with 0x4f443646)`);
    expect(error.exitCode).toBe(65);
  });

  it('names the BLE link type of the Boston pcap and of the pcapng saved as .pcap', () => {
    for (const name of ['ble/boston_hackrf_adv38_linktype256.pcap', 'ble/boston_hackrf_all_adv_linktype256.pcapng']) {
      const target = capture(name);
      expect(errorOf(() => sniffWifiCaptureFile(target)).message).toBe(
        `${target}: link type 256 (BLUETOOTH_LE_LL_WITH_PHDR) is not a Wi-Fi link type; footfall reads 105, 119, 127 and 163`,
      );
    }
    expect(sniffCaptureFile(capture('ble/boston_hackrf_all_adv_linktype256.pcapng')).format).toBe('pcapng');
  });

  it('recognises the btsnoop log and says it is not Wi-Fi', () => {
    const target = capture('ble/csacca_horizon74_btsnoop_hci.log');
    expect(sniffCaptureFile(target)).toMatchObject({ format: 'btsnoop', linkType: 1002 });
    expect(errorOf(() => sniffWifiCaptureFile(target)).message).toBe(
      `${target}: btsnoop Bluetooth HCI log (datalink 1002, H4) is not a Wi-Fi capture; footfall reads link types 105, 119, 127 and 163`,
    );
  });
});
