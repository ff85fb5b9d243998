/**
 * Wi-Fi probe requests from capture files, read through libpcap: the Wi-Fi source behind
 * `replay`. libpcap filters each file with BPF, so only probe requests reach JavaScript.
 */
import type { Logger } from '../../log/logger.js';
import { sniffWifiCaptureFile } from '../capture-file.js';
import { CaptureFileSource, openWithLibpcap, type CaptureFileKind, type CaptureFileSourceOptions } from '../capture-file-source.js';
import { PROBE_REQUEST_FILTER, WifiFrameDelivery, type WifiVerdictCounts } from './frame-delivery.js';

export interface WifiFileSourceOptions extends CaptureFileSourceOptions {
  /** Drop frames whose FCS is wrong (config `capture.wifi.check_fcs`). */
  checkFcs: boolean;
}

function wifiFiles(checkFcs: boolean): CaptureFileKind<WifiVerdictCounts> {
  return {
    kind: 'wifi',
    label: 'Wi-Fi',
    sniff: sniffWifiCaptureFile,
    open: (path) => openWithLibpcap(path, PROBE_REQUEST_FILTER),
    delivery: new WifiFrameDelivery({ checkFcs }),
    afterFile(path: string, counts: WifiVerdictCounts, logger: Logger) {
      if (counts.badFcs > 0 && counts.accepted === 0) {
        logger.warn('every probe request in the file failed its FCS check; if the file was edited or anonymised without recomputing the FCS, set capture.wifi.check_fcs to false', { path });
      }
    },
  };
}

export class WifiFileSource extends CaptureFileSource<WifiVerdictCounts> {
  constructor(options: WifiFileSourceOptions) {
    super(wifiFiles(options.checkFcs), options);
  }
}
