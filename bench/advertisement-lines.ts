/**
 * Advertising reports as lines of text: the live benchmark pipes a simulated store's
 * advertisements in this form into the daemon's process, where they reach noble through
 * stand-in bindings as a controller's reports would.
 *
 * A phone sends the same advertising data again and again, so each distinct content goes once,
 * as a `c` line of JSON (buffers in hex), and each report as a short `a` line that refers to it:
 * `a ADDRESS ADDRESS_TYPE CONNECTABLE RSSI CONTENT`. Reading a report then costs the daemon's
 * process about what noble's parsing of a controller's report would, not a JSON parse.
 */
import type { AdvertisingReport } from '../src/capture/ble/fake-noble-bindings.fixtures.js';
import { advertisingContent } from '../src/sim/ble-frames.js';

interface ContentLine {
  localName?: string;
  txPowerLevel?: number;
  manufacturerData?: string;
  serviceData: { uuid: string; data: string }[];
  serviceUuids: string[];
  serviceSolicitationUuids: string[];
}

/**
 * One text per report, in order: its `a` line, after the `c` line of its content when that is
 * new (the times are left out: the receiver's clock gives them).
 */
export function advertisementLines(reports: readonly AdvertisingReport[]): string[] {
  const contentIndex = new Map<string, number>();
  const lines: string[] = [];
  for (const { address, addressType, connectable, rssi, advertisement } of reports) {
    const content: ContentLine = {
      localName: advertisement.localName,
      txPowerLevel: advertisement.txPowerLevel,
      manufacturerData: advertisement.manufacturerData?.toString('hex'),
      serviceData: advertisement.serviceData.map(({ uuid, data }) => ({ uuid, data: data.toString('hex') })),
      serviceUuids: advertisement.serviceUuids,
      serviceSolicitationUuids: advertisement.serviceSolicitationUuids,
    };
    const json = JSON.stringify(content);
    let index = contentIndex.get(json);
    let contentLine = '';
    if (index === undefined) {
      index = contentIndex.size;
      contentIndex.set(json, index);
      contentLine = `c ${json}\n`;
    }
    lines.push(`${contentLine}a ${address} ${addressType} ${connectable ? 1 : 0} ${rssi} ${index}`);
  }
  return lines;
}

/** Reads lines in order: each `a` line is a report, received at the time given. */
export class AdvertisementLineReader {
  private readonly contents: AdvertisingReport['advertisement'][] = [];

  /** The report a line stands for, or undefined for a content line. */
  read(line: string, timeMs: number): AdvertisingReport | undefined {
    if (line.startsWith('c ')) {
      const content = JSON.parse(line.slice(2)) as ContentLine;
      this.contents.push(
        advertisingContent({
          localName: content.localName,
          txPowerLevel: content.txPowerLevel,
          manufacturerData: content.manufacturerData === undefined ? undefined : Buffer.from(content.manufacturerData, 'hex'),
          serviceData: content.serviceData.map(({ uuid, data }) => ({ uuid, data: Buffer.from(data, 'hex') })),
          serviceUuids: content.serviceUuids,
          serviceSolicitationUuids: content.serviceSolicitationUuids,
        }),
      );
      return undefined;
    }
    const [, address, addressType, connectable, rssi, index] = line.split(' ');
    const advertisement = this.contents[Number(index)];
    if (advertisement === undefined) throw new Error(`an advertisement line refers to content ${index}, which no line gave before it`);
    return { timeMs, address: address!, addressType: addressType as AdvertisingReport['addressType'], connectable: connectable === '1', rssi: Number(rssi), advertisement };
  }
}
