/**
 * Advertising reports as lines of JSON (buffers in hex): the live benchmark pipes a simulated
 * store's advertisements in this form into the daemon's process, where they reach noble through
 * stand-in bindings as a controller's reports would.
 */
import type { AdvertisingReport } from '../src/capture/ble/fake-noble-bindings.fixtures.js';
import { advertisingContent } from '../src/sim/ble-frames.js';

interface AdvertisementLine {
  address: string;
  addressType: AdvertisingReport['addressType'];
  connectable: boolean;
  rssi: number;
  localName?: string;
  txPowerLevel?: number;
  manufacturerData?: string;
  serviceData: { uuid: string; data: string }[];
  serviceUuids: string[];
  serviceSolicitationUuids: string[];
}

/** One line (without its newline) for `report`; its time is left out: the receiver's clock gives it. */
export function advertisementLine(report: AdvertisingReport): string {
  const { address, addressType, connectable, rssi, advertisement } = report;
  const line: AdvertisementLine = {
    address,
    addressType,
    connectable,
    rssi,
    localName: advertisement.localName,
    txPowerLevel: advertisement.txPowerLevel,
    manufacturerData: advertisement.manufacturerData?.toString('hex'),
    serviceData: advertisement.serviceData.map(({ uuid, data }) => ({ uuid, data: data.toString('hex') })),
    serviceUuids: advertisement.serviceUuids,
    serviceSolicitationUuids: advertisement.serviceSolicitationUuids,
  };
  return JSON.stringify(line);
}

/** The report a line stands for, received at `timeMs`. */
export function parseAdvertisementLine(text: string, timeMs: number): AdvertisingReport {
  const line = JSON.parse(text) as AdvertisementLine;
  return {
    timeMs,
    address: line.address,
    addressType: line.addressType,
    connectable: line.connectable,
    rssi: line.rssi,
    advertisement: advertisingContent({
      localName: line.localName,
      txPowerLevel: line.txPowerLevel,
      manufacturerData: line.manufacturerData === undefined ? undefined : Buffer.from(line.manufacturerData, 'hex'),
      serviceData: line.serviceData.map(({ uuid, data }) => ({ uuid, data: Buffer.from(data, 'hex') })),
      serviceUuids: line.serviceUuids,
      serviceSolicitationUuids: line.serviceSolicitationUuids,
    }),
  };
}
