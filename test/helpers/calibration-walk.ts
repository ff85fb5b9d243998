/**
 * Recordings of a calibration walk with a known path-loss model: at each distance, the marked
 * phone's probe requests for its hidden calibration network (and its wildcard probes, which are
 * not marked) or its beacon's advertisements, at RSSI = P(1 m) − 10·n·log10(d) plus Gaussian
 * noise in whole dBm, among other phones probing and advertising around it at any strength.
 */
import path from 'node:path';
import { advertisingContent, advertisingPdu, btleRfFrame, encodeAdvertisingData, linkLayerPacket, PDU_TYPE, rfChannel } from '../../src/sim/ble-frames.js';
import { RATES, supportedRates } from '../../src/sim/elements.js';
import { LINKTYPE, probeElements, radiotapFrame } from '../../src/sim/frames.js';
import { openCaptureWriter } from '../../src/sim/pcap-writer.js';
import { Random, type Seed } from '../../src/sim/random.js';

export interface PathLossModel {
  p1mDbm: number;
  exponent: number;
  /** Standard deviation of the Gaussian fading around the model, dB. */
  noiseDb: number;
}

export function modelRssi(model: PathLossModel, distanceM: number): number {
  return model.p1mDbm - 10 * model.exponent * Math.log10(distanceM);
}

/** The marked phone's address in every recording: the leak scans look for it. */
export const CALIBRATION_PHONE_WIFI = 0x3a_c1_5e_77_10_42;
export const CALIBRATION_PHONE_BLE = 0x5b_c1_5e_77_10_43;
export const CALIBRATION_PHONE_ADDRESSES = ['3a:c1:5e:77:10:42', '5b:c1:5e:77:10:43'];

const LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR = 256;
const elements = probeElements(supportedRates(RATES.DSSS_BASIC), []);

export interface WalkOptions {
  dir: string;
  model: PathLossModel;
  distances: readonly number[];
  seed: Seed;
  /** Marked frames per distance. */
  framesPerDistance?: number;
  /** Other devices heard while the phone is at each distance. */
  others?: number;
}

/** A radiotap probe request (with FCS) for `ssid` ('' is the wildcard) at `rssi`. */
export function walkProbeFrame(address: number, sequence: number, rssi: number, ssid: string, timeMs = Date.now()): Uint8Array {
  return radiotapFrame({ timeMs, address, sequence: sequence & 0xfff, rssi, channelMhz: 2437, ssid, elements }, 'fcs');
}

/** A BLE ADV_IND as a sniffer with RSSI captures it (LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR). */
function advertisingFrame(address: number, rssi: number, content: Parameters<typeof advertisingContent>[0]): Buffer {
  const data = encodeAdvertisingData(advertisingContent(content), 0x06);
  const pdu = advertisingPdu({ type: PDU_TYPE.ADV_IND, txRandom: true, address, data });
  return btleRfFrame({ rfChannel: rfChannel(37), signalDbm: rssi, crcValid: true }, linkLayerPacket(pdu));
}

type FrameOf = (address: number, index: number, rssi: number, marked: boolean) => Uint8Array;

function recordWalk(options: WalkOptions, name: string, linkType: number, phone: number, frameOf: FrameOf): Map<number, string> {
  const files = new Map<number, string>();
  const framesPerDistance = options.framesPerDistance ?? 60;
  const others = options.others ?? 8;
  options.distances.forEach((distanceM, step) => {
    const random = new Random(options.seed, step);
    const file = path.join(options.dir, `${name}-${distanceM}m.pcap`);
    const writer = openCaptureWriter(file, 'pcap', linkType);
    let timeMs = Date.UTC(2026, 11, 7, 9, step * 2);
    const rssi = () => Math.round(modelRssi(options.model, distanceM) + random.normal(0, options.model.noiseDb));
    for (let i = 0; i < framesPerDistance; i++) {
      timeMs += random.uniform(200, 800);
      writer.write(timeMs, frameOf(phone, i, rssi(), true));
      // The same phone's frames that carry no mark, and the crowd around it.
      if (random.chance(0.5)) writer.write(timeMs + 1, frameOf(phone, i + 1000, rssi(), false));
      const other = 0x02_00_00_00_00_00 + random.int(0, others - 1);
      writer.write(timeMs + 2, frameOf(other, i, random.int(-95, -35), false));
    }
    writer.close();
    files.set(distanceM, file);
  });
  return files;
}

/** Wi-Fi recordings, one pcap per distance; the phone probes for `ssid`, the others for look-alikes. */
export function recordWifiWalk(options: WalkOptions & { ssid: string }): Map<number, string> {
  const lookAlikes = ['', `${options.ssid}0`, options.ssid.slice(0, -1), 'home-network'];
  return recordWalk(options, 'wifi', LINKTYPE.IEEE802_11_RADIOTAP, CALIBRATION_PHONE_WIFI, (address, index, rssi, marked) =>
    walkProbeFrame(address, index, rssi, marked ? options.ssid : lookAlikes[index % lookAlikes.length]!),
  );
}

/** BLE recordings, one pcap per distance; the phone's beacon advertises `name`, the others other names. */
export function recordBleWalk(options: WalkOptions & { name: string }): Map<number, string> {
  return recordWalk(options, 'ble', LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR, CALIBRATION_PHONE_BLE, (address, index, rssi, marked) =>
    advertisingFrame(address, rssi, marked ? { localName: options.name } : index % 2 === 0 ? { localName: `${options.name}x` } : { manufacturerData: Buffer.from([0x4c, 0x00, 0x10, 0x05]) }),
  );
}
