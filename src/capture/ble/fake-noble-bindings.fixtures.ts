/**
 * A stand-in for noble's HCI socket bindings (`lib/hci-socket/bindings.js` with its gap.js and
 * hci.js), for tests without a Bluetooth controller. It emits the same events with the same
 * arguments and keeps the same internals that BleLiveSource reaches into: the per-address
 * tables, gap.js's discoveries (one advertisement object per address, merged with every report,
 * the entry replaced with each), the HCI socket that scan commands are written to, and a SIGINT
 * listener that exits the process when it is the last one.
 */
import { EventEmitter } from 'node:events';
import { advertisingContent, PDU_TYPE, type AdvertisingContent } from '../../sim/ble-frames.js';
import { bleAdvertisements, formatAddress, type BleDeviceKind, type BleVenueOptions } from '../../sim/ble-venue.js';
import type { NobleBindings } from './ble-live-source.js';

/** Advertising data as noble's gap.js parses it: the simulation's advertisements have its shape. */
export type NobleAdvertisingData = AdvertisingContent;

/** One advertisement as the controller reports it. */
export interface AdvertisingReport {
  timeMs: number;
  /** As noble writes it: `aa:bb:cc:dd:ee:ff`, most significant octet first. */
  address: string;
  addressType: 'public' | 'random';
  connectable: boolean;
  rssi: number;
  advertisement: NobleAdvertisingData;
}

/** A controller's report with the simulation's truth: who sent it. */
export interface VenueReport extends AdvertisingReport {
  deviceId: number;
  kind: BleDeviceKind;
  /** The address as a 48-bit integer. */
  addressValue: number;
}

/**
 * A simulated store's advertisements as a controller reports them to noble, in time order. Scan
 * responses and directed advertisements are left out: noble merges them into the advertiser's
 * earlier data, so their signature is not their own.
 */
export function controllerReports(venue: BleVenueOptions): VenueReport[] {
  const reports: VenueReport[] = [];
  for (const advertisement of bleAdvertisements(venue)) {
    if (advertisement.pduType === PDU_TYPE.SCAN_RSP || advertisement.pduType === PDU_TYPE.ADV_DIRECT_IND) continue;
    reports.push({
      timeMs: Math.round(advertisement.timeMs),
      address: formatAddress(advertisement.address),
      addressValue: advertisement.address,
      addressType: advertisement.random ? 'random' : 'public',
      connectable: advertisement.pduType === PDU_TYPE.ADV_IND,
      rssi: advertisement.rssi,
      advertisement: advertisement.content,
      deviceId: advertisement.deviceId,
      kind: advertisement.kind,
    });
  }
  return reports;
}

interface GapEntry {
  address: string;
  addressType: string;
  connectable: boolean;
  advertisement: NobleAdvertisingData;
  rssi: number;
  count: number;
}

/** The LE Set Scan Parameters command as hci.js writes it: active, 11.25 ms interval and window. */
export function activeScanParametersCommand(): Buffer {
  return Buffer.from([0x01, 0x0b, 0x20, 0x07, 0x01, 0x12, 0x00, 0x12, 0x00, 0x00, 0x00]);
}

export class FakeHciBindings extends EventEmitter implements NobleBindings {
  readonly calls = { init: 0, startScanning: [] as { serviceUuids: string[] | undefined; allowDuplicates: boolean }[], stopScanning: 0, reset: 0 };
  /** HCI command packets as they reached the controller. */
  readonly commands: Buffer[] = [];
  _hci: NobleBindings['_hci'];
  _gap = { _discoveries: {} as Record<string, GapEntry> };
  _addresses: Record<string, string> = {};
  _addresseTypes: Record<string, string> = {};
  _connectable: Record<string, boolean> = {};
  scannable: Record<string, boolean> = {};

  /** Like the HCI bindings' handler: exits when no one else listens to SIGINT. */
  readonly onSigInt = (): void => {
    const listeners = process.listeners('SIGINT');
    if (listeners[listeners.length - 1] === this.onSigInt) process.exit(1);
  };
  readonly onExit = (): void => this.stopScanning();

  /** `hciSocket: false` makes bindings without an HCI socket, like noble's macOS or WebSocket ones. */
  constructor(options: { hciSocket?: boolean } = {}) {
    super();
    if (options.hciSocket !== false) {
      this._hci = { _socket: { write: (packet: Buffer) => void this.commands.push(Buffer.from(packet)) } };
    }
  }

  init(): void {
    this.calls.init++;
    process.on('SIGINT', this.onSigInt);
    process.on('exit', this.onExit);
  }

  startScanning(serviceUuids: string[] | undefined, allowDuplicates: boolean): void {
    this.calls.startScanning.push({ serviceUuids, allowDuplicates });
    // gap.js sets the scan parameters before every scan start.
    this._hci?._socket?.write(activeScanParametersCommand());
    this.emit('scanStart', !allowDuplicates);
  }

  stopScanning(): void {
    this.calls.stopScanning++;
    this.emit('scanStop');
  }

  reset(): void {
    this.calls.reset++;
  }

  setState(state: string): void {
    this.emit('stateChange', state);
  }

  /** Reports one advertisement the way gap.js and bindings.js do. */
  advertise(report: AdvertisingReport): void {
    const { address, addressType, connectable, rssi } = report;
    const previous = this._gap._discoveries[address];
    const advertisement: NobleAdvertisingData = previous?.advertisement ?? advertisingContent();
    // gap.js starts the lists afresh with each advertisement and keeps the other fields' last value.
    const data = report.advertisement;
    advertisement.serviceData = data.serviceData.slice();
    advertisement.serviceUuids = data.serviceUuids.slice();
    advertisement.serviceSolicitationUuids = data.serviceSolicitationUuids.slice();
    if (data.localName !== undefined) advertisement.localName = data.localName;
    if (data.txPowerLevel !== undefined) advertisement.txPowerLevel = data.txPowerLevel;
    if (data.manufacturerData !== undefined) advertisement.manufacturerData = data.manufacturerData;
    this._gap._discoveries[address] = { address, addressType, connectable, advertisement, rssi, count: (previous?.count ?? 0) + 1 };
    const uuid = address.split(':').join('');
    this._addresses[uuid] = address;
    this._addresseTypes[uuid] = addressType;
    this._connectable[uuid] = connectable;
    this.scannable[uuid] = false;
    this.emit('discover', uuid, address, addressType, connectable, advertisement, rssi, false);
  }

  /** Entries in each table the source must keep bounded. */
  tableSizes(): { gap: number; addresses: number } {
    return { gap: Object.keys(this._gap._discoveries).length, addresses: Object.keys(this._addresses).length };
  }
}
