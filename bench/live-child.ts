/**
 * The daemon of `footfall run`, run by src/cli/run.ts's runDaemon, but with noble's bindings
 * for the Bluetooth adapter replaced by a stand-in (there is no controller here) that the live
 * benchmark feeds: each line on stdin is an advertisement the controller reports as it arrives
 * (advertisement-lines.ts). The benchmark starts this inside the network namespace of its Wi-Fi
 * capture and stops it with SIGTERM; loop-delay.ts watches its event loop.
 *
 * The daemon's modules are those of the build `footfall run` runs (dist/), not the benchmark's
 * copies of them, which would have to find the native addon from elsewhere.
 *
 * Usage: node live-child.js --config FILE
 */
import { countStandIn } from './loop-delay.js';
import { parseArgs } from 'node:util';
import { FakeHciBindings } from '../src/capture/ble/fake-noble-bindings.fixtures.js';
import { parseAdvertisementLine } from './advertisement-lines.js';

const DIST = new URL('../../../dist/', import.meta.url);
const distModule = async <T>(file: string): Promise<T> => (await import(new URL(file, DIST).href)) as T;
const { runDaemon } = await distModule<typeof import('../src/cli/run.js')>('cli/run.js');

/** Hands each line on stdin to the bindings, as the controller's report of the moment it arrived. */
function relayAdvertisements(bindings: FakeHciBindings): void {
  let partial = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    const nowMs = Date.now();
    for (const line of lines) {
      // Reading the line is the stand-in's work; noble's parsing of a controller's report takes its place on a sensor.
      const readingMs = performance.now();
      const report = parseAdvertisementLine(line, nowMs);
      countStandIn(performance.now() - readingMs);
      bindings.advertise(report);
    }
  });
}

const { values } = parseArgs({ options: { config: { type: 'string' } } });
const bindings = new FakeHciBindings();
try {
  await runDaemon({ config: values.config }, { createBleBindings: () => bindings }, () => {
    if (bindings.calls.init === 0) throw new Error('the daemon did not open the Bluetooth adapter: is capture.ble.enabled on?');
    bindings.setState('poweredOn');
    relayAdvertisements(bindings);
  });
} finally {
  // Standard input would keep the process alive after the daemon stopped.
  process.stdin.destroy();
}
