/**
 * BLE advertisements from capture files: the BLE source behind `replay`. pcap and pcapng files
 * (link types 187, 201, 251, 256, 272) are read through libpcap without a filter, btsnoop logs by
 * BtsnoopReader; every frame is read, and the parsers tell advertisers from the rest.
 */
import type { Logger } from '../../log/logger.js';
import { CaptureFileError, EX_DATAERR, openError, printablePath, sniffBleCaptureFile } from '../capture-file.js';
import { CaptureFileSource, openWithLibpcap, type CaptureFileKind, type CaptureFileSourceOptions } from '../capture-file-source.js';
import { BtsnoopFormatError, BtsnoopReader } from './btsnoop-reader.js';
import { BleFrameDelivery, type BleVerdictCounts } from './frame-delivery.js';

function openBtsnoop(path: string, logger: Logger): BtsnoopReader {
  try {
    return new BtsnoopReader(path, (text) => logger.warn(`the btsnoop log is cut short: ${text}`, { path }));
  } catch (error) {
    if (error instanceof BtsnoopFormatError) throw new CaptureFileError(`${printablePath(path)}: ${error.message}`, EX_DATAERR);
    throw openError(path, error);
  }
}

function bleFiles(): CaptureFileKind<BleVerdictCounts> {
  return {
    kind: 'ble',
    label: 'BLE',
    sniff: sniffBleCaptureFile,
    open: (path, info, logger) => (info.format === 'btsnoop' ? openBtsnoop(path, logger) : openWithLibpcap(path, '')),
    delivery: new BleFrameDelivery(),
    afterFile(path: string, counts: BleVerdictCounts, logger: Logger) {
      if (counts.badCrc > 0 && counts.accepted === 0) {
        logger.warn('every advertising packet in the file failed its CRC check; check that the sniffer wrote dewhitened packets', { path });
      }
    },
  };
}

export class BleFileSource extends CaptureFileSource<BleVerdictCounts> {
  constructor(options: CaptureFileSourceOptions) {
    super(bleFiles(), options);
  }
}
