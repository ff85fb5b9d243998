/**
 * `npm run bench`: where footfall stands against the design's targets, measured side by side
 * with tcpdump and tshark in one run. Options: --rounds N (interleaved runs of each program,
 * default 5), --skip-throughput, --skip-pauses, --skip-soak, --soak-days N (default 7),
 * --skip-live, --live-seconds N (how long the live daemon is driven, default 180).
 * Writes the figures to .cache/bench/results.json too.
 */
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCHMARK_CAPTURE, fixtures, REALISTIC_BENCHMARK_CAPTURE } from '../src/sim/generate.js';
import { describePauses, measurePauses } from './pauses.js';
import { DEFAULT_LIVE_SECONDS, describeLive, liveUnavailable, measureLive, type LiveResult } from './live.js';
import { describeSoak, soak } from './soak.js';
import { describeThroughput, measureThroughput } from './throughput.js';
import { GNU_TIME } from './measure.js';
import type { WindowTruth } from '../src/sim/truth.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const log = (line: string) => process.stdout.write(`${line}\n`);

/** Windows, addresses and frames per address and window of a generated capture, from its truth. */
function describeWorkload(truth: WindowTruth[]): string {
  const frames = truth.reduce((sum, w) => sum + w.frames, 0);
  const addressWindows = truth.reduce((sum, w) => sum + w.addresses, 0);
  return `${truth.length} window(s), ${addressWindows.toLocaleString('en')} addresses counted over them, ${(frames / addressWindows).toFixed(1)} frames per address and window`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      'soak-days': { type: 'string', default: '7' },
      'pause-speed': { type: 'string', default: '120' },
      'skip-throughput': { type: 'boolean', default: false },
      'skip-pauses': { type: 'boolean', default: false },
      'skip-soak': { type: 'boolean', default: false },
      'skip-live': { type: 'boolean', default: false },
      'live-seconds': { type: 'string', default: String(DEFAULT_LIVE_SECONDS) },
    },
  });
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  log(`footfall benchmark on ${os.cpus().length} x ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}, ${os.platform()} ${os.release()}`);
  const results: Record<string, unknown> = { machine: { cpu, cores: os.cpus().length, node: process.versions.node, date: new Date().toISOString() } };

  if (!values['skip-throughput']) {
    if (!fs.existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} (GNU time) is needed for peak RSS: apt-get install time`);
    const cache = fixtures(`${ROOT}.cache/fixtures`);
    const workloads = [
      { name: 'oneHour', title: 'one hour: 50,000 addresses, 20 frames per address', options: BENCHMARK_CAPTURE },
      { name: 'realistic', title: 'realistic: four hours, 128,000 addresses, 7.8 frames per address as in the lab', options: REALISTIC_BENCHMARK_CAPTURE },
    ];
    const throughput: Record<string, unknown> = {};
    for (const workload of workloads) {
      log(`Generating (or reusing) the ${workload.title} (1,000,000 radiotap frames) ...`);
      const capture = await cache.capture(workload.options);
      log(`  ${capture.path}: ${describeWorkload(capture.truth)}`);
      const result = await measureThroughput(capture.path, capture.frames, Number(values.rounds), log);
      describeThroughput(result).forEach((line) => log(line));
      throughput[workload.name] = { ...result, windows: capture.truth.length };
    }
    results.throughput = throughput;
  }
  // The soak first, in a process that has not yet held the pause run's million frames.
  if (!values['skip-soak']) {
    log('Soak: a simulated week of a store through the pipeline ...');
    const week = await soak(Number(values['soak-days']), log);
    describeSoak(week).forEach((line) => log(line));
    results.soak = { heapGrowth: week.heapGrowth, rssGrowth: week.rssGrowth, samples: week.samples };
  }
  if (!values['skip-pauses']) {
    log('Pacing the benchmark hour through the pipeline ...');
    const pauses = await measurePauses(Number(values['pause-speed']));
    describePauses(pauses).forEach((line) => log(line));
    results.pauses = pauses;
  }
  // Last: the other measures run in this process, which the live one leaves holding its
  // advertisements; the daemon it measures runs in a process of its own.
  if (!values['skip-live']) {
    const seconds = Number(values['live-seconds']);
    if (!(Number.isInteger(seconds) && seconds > 0)) throw new Error('--live-seconds takes a whole number of seconds');
    const unavailable = liveUnavailable();
    if (unavailable !== undefined) {
      log(`Live daemon: skipped, ${unavailable}`);
    } else {
      const runs: LiveResult[] = [];
      for (const ble of [false, true]) {
        log(`Live daemon, ${ble ? 'Wi-Fi and BLE' : 'Wi-Fi alone'}, in a network namespace ...`);
        const live = await measureLive({ seconds, ble, fixturesDir: `${ROOT}.cache/fixtures`, log });
        describeLive(live).forEach((line) => log(line));
        runs.push(live);
      }
      results.live = runs;
    }
  }
  fs.mkdirSync(`${ROOT}.cache/bench`, { recursive: true });
  fs.writeFileSync(`${ROOT}.cache/bench/results.json`, `${JSON.stringify(results, null, 2)}\n`);
  log('Figures written to .cache/bench/results.json');
}

await main();
