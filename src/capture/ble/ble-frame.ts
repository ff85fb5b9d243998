/**
 * One captured BLE frame, whatever its link type, to a verdict and a Sighting for each advertiser
 * it names (an HCI event can carry several reports). Never throws, whatever the bytes.
 */
import type { Sighting } from '../sighting.js';
import { parseH4Packet, parseH4WithPhdr, type EmitSighting } from './hci-event.js';
import { BleVerdict, CrcStatus, parseLinkLayerPacket, PhysicalChannel } from './link-layer.js';
import { parseBtleRfFrame, parseNordicBleFrame } from './sniffer-headers.js';

export { BleVerdict } from './link-layer.js';

export const LINKTYPE_BLUETOOTH_HCI_H4 = 187;
export const LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR = 201;
export const LINKTYPE_BLUETOOTH_LE_LL = 251;
export const LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR = 256;
export const LINKTYPE_NORDIC_BLE = 272;

/**
 * Parses `buf[start, start + length)`, a frame of `linkType` (`buf` may be a batch or a larger reused buffer), and emits
 * a Sighting through `out` for every advertiser it names, with address, addressType, rssi,
 * channel, sequence and signature filled (the caller sets source and time). A frame whose
 * verdict is not Accepted emits nothing.
 */
export function parseBleFrame(linkType: number, buf: Uint8Array, start: number, length: number, out: Sighting, emit: EmitSighting): BleVerdict {
  if (!(length >= 0 && start >= 0)) return BleVerdict.Malformed;
  const end = Math.min(start + Math.floor(length), buf.length);
  let verdict: BleVerdict;
  switch (linkType) {
    case LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR:
      return parseH4WithPhdr(buf, start, end, out, emit);
    case LINKTYPE_BLUETOOTH_HCI_H4:
      return parseH4Packet(buf, start, end, out, emit);
    case LINKTYPE_BLUETOOTH_LE_LL:
      out.rssi = Number.NaN;
      out.channel = 0;
      verdict = parseLinkLayerPacket(buf, start, end, PhysicalChannel.Unknown, CrcStatus.Unchecked, false, out);
      break;
    case LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR:
      verdict = parseBtleRfFrame(buf, start, end, out);
      break;
    case LINKTYPE_NORDIC_BLE:
      verdict = parseNordicBleFrame(buf, start, end, out);
      break;
    default:
      return BleVerdict.Malformed;
  }
  if (verdict === BleVerdict.Accepted) {
    out.sequence = -1;
    emit(out);
  }
  return verdict;
}
