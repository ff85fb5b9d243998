/**
 * BleLiveSource over noble's own HCI socket bindings (hci.js, gap.js, bindings.js unchanged), with
 * a stand-in for the native socket module beneath them. A file of its own: the stand-in must take
 * the native module's place before noble's HCI layer is first loaded in the process.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../log/logger.js';
import { advertisingContent, hciReportOf, leAdvertisingReport, leExtendedAdvertisingReport, PDU_TYPE } from '../../sim/ble-frames.js';
import { bleAdvertisements, formatAddress, type BleAdvertisement } from '../../sim/ble-venue.js';
import { PhoneMarker } from '../phone-marker.js';
import type { Sighting, SightingSink } from '../sighting.js';
import { heardFields, type HeardFields } from '../sighting.fixtures.js';
import { advertisingSignature } from './advertising-signature.js';
import { BleLiveSource } from './ble-live-source.js';
import { nobleBindingsOnStandIn, type StandInHciSocket } from './stand-in-hci-socket.fixtures.js';

const START_MS = Date.UTC(2026, 10, 22, 10, 0, 0);
const LE_SET_SCAN_PARAMETERS = 0x200b;

const sources: BleLiveSource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((source) => source.stop()));
});

function recordingSink(): SightingSink & { sightings: (HeardFields & { marked: boolean })[]; malformed: number } {
  const sink = {
    sightings: [] as (HeardFields & { marked: boolean })[],
    malformed: 0,
    onSighting: (sighting: Sighting) => void sink.sightings.push({ ...heardFields(sighting), marked: sighting.marked }),
    onMalformed: () => void sink.malformed++,
  };
  return sink;
}

async function until(what: string, condition: () => boolean): Promise<void> {
  const endMs = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > endMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A source scanning through noble's HCI bindings on a stand-in socket, with what it logged. */
async function scanning(sink: SightingSink): Promise<{ source: BleLiveSource; socket: StandInHciSocket; bindings: ReturnType<typeof nobleBindingsOnStandIn>['bindings']; run: Promise<void>; log: string[] }> {
  const { bindings, socket } = nobleBindingsOnStandIn();
  const log: string[] = [];
  const logger = createLogger({ level: 'debug', journald: false, write: (line) => log.push(line) });
  const source = new BleLiveSource({ adapter: 0, passive: true, stallSeconds: 60, logger, createBindings: () => bindings });
  sources.push(source);
  const run = source.run(sink);
  await until('the scan to start', () => source.state() === 'scanning (passive)');
  return { source, socket, bindings, run, log };
}

/** A shop's advertisements as the controller reports them, each in an event of its own. */
function shopAdvertisements(): BleAdvertisement[] {
  const venue = { seed: 'ble-live-source-hci', startMs: START_MS, durationMs: 10 * 60_000, phones: 12, visitorsPerHour: 0, publicDevices: 2, staticDevices: 3, beacons: 3, reception: 1 };
  return [...bleAdvertisements(venue)].filter((a) => a.pduType !== PDU_TYPE.SCAN_RSP && a.pduType !== PDU_TYPE.ADV_DIRECT_IND);
}

describe('BleLiveSource on noble\'s HCI socket bindings', () => {
  it('starts a passive scan through noble: the scan parameters reach the controller rewritten', async () => {
    const { socket } = await scanning(recordingSink());
    const scanParameters = socket.commands.filter((packet) => packet.readUInt16LE(1) === LE_SET_SCAN_PARAMETERS);
    expect(scanParameters.length).toBeGreaterThan(0);
    // Scan type, the first parameter: 0 passive (noble writes 1, active).
    for (const packet of scanParameters) expect(packet[4]).toBe(0);
  });

  it('reads every advertising report itself, each as a capture of the packet is read, and noble never sees one', async () => {
    const sink = recordingSink();
    const { source, socket, bindings, run, log } = await scanning(sink);
    const advertisements = shopAdvertisements();
    const extended = advertisements.slice(0, 50);
    for (const advertisement of advertisements) socket.receive(leAdvertisingReport([hciReportOf(advertisement, false)]));
    for (const advertisement of extended) socket.receive(leExtendedAdvertisingReport([hciReportOf(advertisement, true)]));
    // Two reports in one event, then one cut short: a controller may batch, and bytes may be damaged.
    socket.receive(leAdvertisingReport(advertisements.slice(0, 2).map((a) => hciReportOf(a, false))));
    const cut = leAdvertisingReport([hciReportOf(advertisements[0]!, false)]);
    socket.receive(cut.subarray(0, cut.length - 3));
    const expected = [...advertisements, ...extended, ...advertisements.slice(0, 2)];

    expect(sink.malformed).toBe(1);
    expect(sink.sightings).toHaveLength(expected.length);
    sink.sightings.forEach((sighting, i) => {
      const advertisement = expected[i]!;
      expect(sighting).toEqual({
        source: 'ble',
        timeMs: expect.any(Number),
        address: advertisement.address,
        addressType: advertisement.random ? 1 : 0,
        rssi: advertisement.rssi,
        channel: 0,
        sequence: -1,
        // What noble's parse of the same advertisement gives, whose fields the simulation's content has.
        signature: advertisingSignature(advertisement.content),
        marked: false,
      });
    });
    expect(source.stats()).toEqual({ frames: advertisements.length + extended.length + 2, dropped: 0 });

    // noble's per-address tables stay empty: nothing is left to sweep.
    expect(Object.keys(bindings._gap!._discoveries!)).toHaveLength(0);
    expect(Object.keys(bindings._addresses!)).toHaveLength(0);
    // Every other packet still reaches noble: the adapter's state follows the controller.
    expect(source.state()).toBe('scanning (passive)');

    await source.stop();
    await run;
    expect(socket.started).toBe(false);
    const text = log.join('');
    for (const advertisement of advertisements) expect(text).not.toContain(formatAddress(advertisement.address));
  });

  it("marks the installer's phone by the name in its raw advertising data, from the moment it is asked to", async () => {
    const sink = recordingSink();
    const { source, socket } = await scanning(sink);
    const named = (address: number, localName: string): Buffer =>
      leAdvertisingReport([hciReportOf({ timeMs: 0, deviceId: 1, kind: 'phone', address, random: true, pduType: PDU_TYPE.ADV_NONCONN_IND, rssi: -60, channel: 37, content: advertisingContent({ localName }) }, false)]);
    socket.receive(named(0x5bc15e771043, 'ffcal4821'));
    source.mark(new PhoneMarker({ bleName: 'ffcal4821' }));
    socket.receive(named(0x5bc15e771043, 'ffcal4821'));
    socket.receive(named(0x7a0000000001, 'ffcal48210'));
    source.mark(null);
    socket.receive(named(0x5bc15e771043, 'ffcal4821'));
    expect(sink.sightings.map((s) => s.marked)).toEqual([false, true, false, false]);
  });
});
