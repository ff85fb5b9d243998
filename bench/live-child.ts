/**
 * The daemon of `footfall run`, run by src/cli/run.ts's runDaemon, with noble's own HCI socket
 * bindings (hci.js, gap.js and bindings.js, unchanged) over a stand-in for the native socket
 * module, since there is no controller here. The live benchmark feeds it: standard input carries
 * the controller's HCI event packets (H4, as the kernel's socket hands them over), each handed to
 * noble's HCI layer as the moment's packet, one `data` event per packet as the socket gives them.
 * The benchmark starts this inside the network namespace of its Wi-Fi capture and stops it with
 * SIGTERM; loop-delay.ts watches its event loop.
 *
 * The daemon's modules are those of the build `footfall run` runs (dist/), not the benchmark's
 * copies of them, which would have to find the native addon from elsewhere.
 *
 * Usage: node live-child.js --config FILE
 */
import { countStandIn } from './loop-delay.js';
import { parseArgs } from 'node:util';
import { nobleBindingsOnStandIn, type StandInHciSocket } from '../src/capture/ble/stand-in-hci-socket.fixtures.js';

const DIST = new URL('../../../dist/', import.meta.url);
const distModule = async <T>(file: string): Promise<T> => (await import(new URL(file, DIST).href)) as T;
const { runDaemon } = await distModule<typeof import('../src/cli/run.js')>('cli/run.js');

/** H4 event packets: the indicator, the event code, the parameters' length, the parameters. */
const H4_EVENT_HEADER = 3;

/** Hands each HCI event packet on stdin to the socket, as the controller's of the moment it arrived. */
function relayPackets(socket: StandInHciSocket): void {
  let pending: Buffer = Buffer.alloc(0);
  process.stdin.on('data', (chunk: Buffer) => {
    // Cutting the stream into packets is the stand-in's work; the kernel's socket does it on a sensor.
    const cuttingMs = performance.now();
    const data: Buffer = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const packets: Buffer[] = [];
    let at = 0;
    while (data.length - at >= H4_EVENT_HEADER && data.length - at >= H4_EVENT_HEADER + data[at + 2]!) {
      const end = at + H4_EVENT_HEADER + data[at + 2]!;
      packets.push(data.subarray(at, end));
      at = end;
    }
    pending = data.subarray(at);
    countStandIn(performance.now() - cuttingMs);
    for (const packet of packets) socket.receive(packet);
  });
}

const { values } = parseArgs({ options: { config: { type: 'string' } } });
let socket: StandInHciSocket | undefined;
const createBleBindings = (adapter: number) => {
  const standIn = nobleBindingsOnStandIn(adapter);
  socket = standIn.socket;
  return standIn.bindings;
};
try {
  await runDaemon({ config: values.config }, { createBleBindings }, () => {
    if (socket === undefined) throw new Error('the daemon did not open the Bluetooth adapter: is capture.ble.enabled on?');
    relayPackets(socket);
  });
} finally {
  // Standard input would keep the process alive after the daemon stopped.
  process.stdin.destroy();
}
