/**
 * BLE capture files from the simulated store, with their ground truth: the link layer as radio
 * sniffers write it (link types 251, 256 with some frames' bits flipped, 272 with some frames
 * flagged as failing their CRC) and HCI as a host's controller reports it (link type 201, btsnoop
 * logs of datalinks 1001 and 1002, whose second half uses extended reports as a host that
 * switched to extended scanning does).
 */

import {
  advertisingDataOf,
  advertisingPdu,
  BLE_LINKTYPE,
  btleRfFrame,
  h4WithPhdr,
  hciCommand,
  hciEvent,
  hciReportOf,
  leAdvertisingReport,
  leExtendedAdvertisingReport,
  linkLayerPacket,
  nordicBleFrame,
  PDU_TYPE,
  rfChannel,
} from './ble-frames.js';
import { bleAdvertisements, formatAddress, type BleAdvertisement, type BleVenueOptions } from './ble-venue.js';
import { BtsnoopWriter, fileSink, openCaptureWriter, type CaptureWriter } from './pcap-writer.js';
import { Random } from './random.js';

export interface BleCaptureOptions extends Omit<BleVenueOptions, 'durationMs'> {
  hours: number;
  /** pcap and pcapng files hold link types 201, 251, 256 and 272; btsnoop logs datalinks 1001 and 1002. */
  format: 'pcap' | 'pcapng' | 'btsnoop';
  linkType: 201 | 251 | 256 | 272 | 1001 | 1002;
  /** Share of link-layer frames written damaged (256: a flipped bit; 272: also flagged as failing its CRC). */
  corruptShare?: number;
  /** Truth windows, UTC-aligned; default 60 minutes. */
  windowMinutes?: number;
}

/** What a perfect counter reports for one UTC window. */
export interface BleWindowTruth {
  startMs: number;
  endMs: number;
  /** Advertising PDUs and reports that name an advertiser. */
  frames: number;
  /** Frames written damaged. */
  malformed: number;
  addresses: number;
  addressesRandom: number;
  addressesPublic: number;
  addressesRandomStatic: number;
  addressesResolvable: number;
  addressesNonresolvable: number;
  /** Physical devices heard in the window. */
  devices: number;
}

export interface BleCaptureResult {
  path: string;
  /** Records written, of every kind. */
  frames: number;
  truth: BleWindowTruth[];
}

const ADDRESS_KIND_OF_TOP_BITS = ['nonresolvable', 'resolvable', 'nonresolvable', 'random_static'] as const;

class BleTruthRecorder {
  private readonly windows = new Map<number, { frames: number; malformed: number; addresses: Map<number, string>; devices: Set<number> }>();

  constructor(private readonly windowMs: number) {}

  private window(timeMs: number) {
    const start = Math.floor(timeMs / this.windowMs) * this.windowMs;
    let window = this.windows.get(start);
    if (window === undefined) this.windows.set(start, (window = { frames: 0, malformed: 0, addresses: new Map(), devices: new Set() }));
    return window;
  }

  report(advertisement: BleAdvertisement, timeMs: number): void {
    const window = this.window(timeMs);
    window.frames++;
    const kind = advertisement.random ? ADDRESS_KIND_OF_TOP_BITS[Math.floor(advertisement.address / 2 ** 46)]! : 'public';
    window.addresses.set(advertisement.address, kind);
    window.devices.add(advertisement.deviceId);
  }

  malformed(timeMs: number): void {
    this.window(timeMs).malformed++;
  }

  truth(startMs: number, endMs: number): BleWindowTruth[] {
    return [...this.windows.entries()]
      .sort(([a], [b]) => a - b)
      .map(([start, w]) => {
        const kinds = [...w.addresses.values()];
        const count = (kind: string) => kinds.filter((k) => k === kind).length;
        return {
          startMs: Math.max(start, startMs),
          endMs: Math.min(start + this.windowMs, endMs),
          frames: w.frames,
          malformed: w.malformed,
          addresses: kinds.length,
          addressesRandom: kinds.length - count('public'),
          addressesPublic: count('public'),
          addressesRandomStatic: count('random_static'),
          addressesResolvable: count('resolvable'),
          addressesNonresolvable: count('nonresolvable'),
          devices: w.devices.size,
        };
      });
  }
}

/** A scanner's SCAN_REQ comes this long before the scan response it asks for. */
const SCAN_REQUEST_LEAD_MS = 0.15;

function pduOf(advertisement: BleAdvertisement): Buffer {
  const { pduType, address, random } = advertisement;
  if (pduType === PDU_TYPE.ADV_DIRECT_IND) return advertisingPdu({ type: pduType, txRandom: random, rxRandom: true, address, secondAddress: advertisement.peerAddress! });
  return advertisingPdu({ type: pduType, txRandom: random, address, data: advertisingDataOf(advertisement) });
}

/** The SCAN_REQ a scan response answers: the scanner's address, then the advertiser's. */
function scanRequestOf(advertisement: BleAdvertisement): Buffer {
  return advertisingPdu({ type: PDU_TYPE.SCAN_REQ, txRandom: true, rxRandom: advertisement.random, address: advertisement.peerAddress!, secondAddress: advertisement.address });
}

const CORRUPTION_STREAM = 9;

/** Link-layer captures: every advertisement as its packet, a scan response after its request. */
function writeLinkLayer(options: BleCaptureOptions, out: CaptureWriter, truth: BleTruthRecorder): number {
  const random = new Random(options.seed, CORRUPTION_STREAM);
  const corruptShare = options.corruptShare ?? 0;
  const frame = (advertisement: BleAdvertisement, packet: Buffer, damaged: boolean): Buffer => {
    const { rssi, channel } = advertisement;
    if (options.linkType === BLE_LINKTYPE.BLUETOOTH_LE_LL_WITH_PHDR) return btleRfFrame({ rfChannel: rfChannel(channel), signalDbm: rssi }, packet);
    if (options.linkType === BLE_LINKTYPE.NORDIC_BLE) return nordicBleFrame({ channel, rssi, crcOk: !damaged }, packet);
    return packet;
  };
  let frames = 0;
  for (const advertisement of bleAdvertisements(venueOf(options))) {
    if (advertisement.pduType === PDU_TYPE.SCAN_RSP) {
      out.write(advertisement.timeMs - SCAN_REQUEST_LEAD_MS, frame(advertisement, linkLayerPacket(scanRequestOf(advertisement)), false));
      frames++;
    }
    const packet = linkLayerPacket(pduOf(advertisement));
    const damaged = random.chance(corruptShare);
    // A flipped bit after the access address: the PDU or its CRC, which the CRC always catches.
    if (damaged) packet[random.int(4, packet.length - 1)]! ^= 1 << random.int(0, 7);
    out.write(advertisement.timeMs, frame(advertisement, packet, damaged));
    frames++;
    if (damaged) truth.malformed(advertisement.timeMs);
    else truth.report(advertisement, advertisement.timeMs);
  }
  return frames;
}

/** HCI opcodes (OGF 0x03 and 0x08) of the commands a host sends to start scanning. */
const OPCODE = {
  RESET: 0x0c03,
  LE_SET_SCAN_PARAMETERS: 0x200b,
  LE_SET_SCAN_ENABLE: 0x200c,
  LE_SET_EXTENDED_SCAN_PARAMETERS: 0x2041,
  LE_SET_EXTENDED_SCAN_ENABLE: 0x2042,
} as const;
const COMMAND_COMPLETE = 0x0e;
/** Reports that arrive within this of the first are sent in one event, as controllers batch them. */
const BATCH_MS = 1;
const MAX_REPORTS_PER_EVENT = 3;

/** HCI captures: the commands that start a (later an extended) scan, then the report events. */
function writeHci(options: BleCaptureOptions, send: (timeMs: number, received: boolean, h4Packet: Buffer) => void, truth: BleTruthRecorder): number {
  let frames = 0;
  const exchange = (timeMs: number, opcode: number, parameters: number[]) => {
    send(timeMs, false, hciCommand(opcode, Buffer.from(parameters)));
    send(timeMs + 0.0005, true, hciEvent(COMMAND_COMPLETE, Buffer.from([1, opcode & 0xff, opcode >> 8, 0])));
    frames += 2;
  };
  const startMs = options.startMs;
  exchange(startMs, OPCODE.RESET, []);
  exchange(startMs + 1, OPCODE.LE_SET_SCAN_PARAMETERS, [0x00, 0x12, 0x00, 0x12, 0x00, 0x00, 0x00]);
  exchange(startMs + 2, OPCODE.LE_SET_SCAN_ENABLE, [0x01, 0x00]);
  // btsnoop logs switch to extended scanning halfway through.
  const extendedFromMs = options.format === 'btsnoop' ? startMs + (options.hours * 3_600_000) / 2 : Infinity;
  let extended = false;
  let batch: BleAdvertisement[] = [];
  const flush = () => {
    if (batch.length === 0) return;
    const reports = batch.map((advertisement) => hciReportOf(advertisement, extended));
    const timeMs = batch.at(-1)!.timeMs;
    send(timeMs, true, extended ? leExtendedAdvertisingReport(reports) : leAdvertisingReport(reports));
    for (const advertisement of batch) truth.report(advertisement, timeMs);
    frames++;
    batch = [];
  };
  for (const advertisement of bleAdvertisements(venueOf(options))) {
    if (batch.length > 0 && (advertisement.timeMs - batch[0]!.timeMs > BATCH_MS || batch.length === MAX_REPORTS_PER_EVENT)) flush();
    if (!extended && advertisement.timeMs >= extendedFromMs) {
      flush();
      const atMs = advertisement.timeMs - 0.003;
      exchange(atMs, OPCODE.LE_SET_SCAN_ENABLE, [0x00, 0x00]);
      exchange(atMs + 0.001, OPCODE.LE_SET_EXTENDED_SCAN_PARAMETERS, [0x00, 0x00, 0x01, 0x00, 0x12, 0x00, 0x12, 0x00]);
      exchange(atMs + 0.002, OPCODE.LE_SET_EXTENDED_SCAN_ENABLE, [0x01, 0x00, 0x00, 0x00, 0x00, 0x00]);
      extended = true;
    }
    batch.push(advertisement);
  }
  flush();
  return frames;
}

function venueOf(options: BleCaptureOptions): BleVenueOptions {
  const { hours, format: _format, linkType: _linkType, corruptShare: _corrupt, windowMinutes: _window, ...venue } = options;
  return { ...venue, durationMs: hours * 3_600_000 };
}

/** btsnoop record flags of an event (controller to host) and of a command: bit 0 the direction, bit 1 "not data". */
const BTSNOOP_FLAGS_EVENT = 0x03;
const BTSNOOP_FLAGS_COMMAND = 0x02;

/** Simulates the store and writes what its BLE sensor hears to `path`. */
export async function generateBleCapture(options: BleCaptureOptions & { path: string }): Promise<BleCaptureResult> {
  const truth = new BleTruthRecorder((options.windowMinutes ?? 60) * 60_000);
  let frames: number;
  if (options.format === 'btsnoop') {
    const datalink = options.linkType;
    if (datalink !== 1001 && datalink !== 1002) throw new RangeError(`btsnoop logs have datalink 1001 or 1002, not ${datalink}`);
    const writer = new BtsnoopWriter(fileSink(options.path), datalink);
    try {
      frames = writeHci(
        options,
        (timeMs, received, h4) => {
          writer.write(timeMs, received ? BTSNOOP_FLAGS_EVENT : BTSNOOP_FLAGS_COMMAND, datalink === 1002 ? h4 : h4.subarray(1));
        },
        truth,
      );
    } finally {
      writer.close();
    }
  } else {
    const writer = openCaptureWriter(options.path, options.format, options.linkType);
    try {
      frames =
        options.linkType === BLE_LINKTYPE.BLUETOOTH_HCI_H4_WITH_PHDR
          ? writeHci(options, (timeMs, received, h4) => writer.write(timeMs, h4WithPhdr(received, h4)), truth)
          : writeLinkLayer(options, writer, truth);
    } finally {
      writer.close();
    }
  }
  return { path: options.path, frames, truth: truth.truth(options.startMs, options.startMs + options.hours * 3_600_000) };
}

/** Every address a capture of these options holds (advertisers, scanners, the directed-to tablet), for a leak scan. */
export function bleCaptureAddresses(options: BleCaptureOptions): string[] {
  const addresses = new Set<number>();
  for (const advertisement of bleAdvertisements(venueOf(options))) {
    addresses.add(advertisement.address);
    if (advertisement.peerAddress !== undefined) addresses.add(advertisement.peerAddress);
  }
  return [...addresses].map(formatAddress);
}
