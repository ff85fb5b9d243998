/**
 * A calibration walk recorded first and fitted later (`footfall calibrate --at 4=FILE ...`):
 * each capture file holds the marked phone at one distance, among whatever else was heard.
 * Files are read through the same sources as `replay`, with the phone marked, and only the
 * marked frames' RSSI is kept.
 */
import { BleFileSource } from '../capture/ble/ble-file-source.js';
import { printablePath, sniffReplayFile } from '../capture/capture-file.js';
import type { PhoneMarker } from '../capture/phone-marker.js';
import type { SourceKind } from '../capture/source.js';
import { WifiFileSource } from '../capture/wifi/wifi-file-source.js';
import { EXIT, OperatorError } from '../cli/errors.js';
import type { Logger } from '../log/logger.js';
import { MarkedPhoneTap } from '../privacy/marked-phone-tap.js';
import type { SamplesByDistance } from './calibration-result.js';

/** One `--at DISTANCE=FILE`. */
export interface Recording {
  distanceM: number;
  file: string;
}

const MARK_FLAG: Record<SourceKind, string> = { wifi: '--ssid NAME', ble: '--ble-name NAME or --ble-uuid UUID' };

/** The marked phone's RSSI in every recording, by radio and distance. Each file must hold some of it. */
export async function readRecordings(
  recordings: readonly Recording[],
  marker: PhoneMarker,
  options: { checkFcs: boolean; logger: Logger },
): Promise<Map<SourceKind, SamplesByDistance>> {
  const bySource = new Map<SourceKind, SamplesByDistance>();
  for (const { distanceM, file } of recordings) {
    const { kind } = sniffReplayFile(file);
    if (kind === 'wifi' ? !marker.marksWifi : !marker.marksBle) {
      throw new OperatorError(`${printablePath(file)} is a ${kind === 'wifi' ? 'Wi-Fi' : 'BLE'} capture: mark the phone on it with ${MARK_FLAG[kind]}`, EXIT.usage);
    }
    const sourceOptions = { paths: [file], logger: options.logger.child('capture') };
    const source = kind === 'wifi' ? new WifiFileSource({ ...sourceOptions, checkFcs: options.checkFcs }) : new BleFileSource(sourceOptions);
    const samples: number[] = [];
    const tap = new MarkedPhoneTap(null);
    tap.listen((sample) => samples.push(sample.rssi));
    source.mark(marker);
    await source.run(tap);
    if (samples.length === 0) {
      throw new OperatorError(
        `no frame of the marked phone (${marker.describe()}) with a signal strength in ${printablePath(file)}: record the walk with the phone marked exactly so, on an interface that reports RSSI`,
        EXIT.dataError,
      );
    }
    const byDistance = bySource.get(kind) ?? new Map<number, number[]>();
    bySource.set(kind, byDistance);
    byDistance.set(distanceM, [...(byDistance.get(distanceM) ?? []), ...samples]);
  }
  return bySource;
}
