/**
 * The live daemon's cost: footfall's daemon in a process of its own, driven for minutes at a busy
 * venue's rate and measured from outside, as an operator would see it.
 *
 * The daemon runs inside a network namespace and captures on one end of a veth pair, its link
 * type forced to radiotap as in the daemon's own test, with an `iw` on PATH that calls the
 * interface a monitor one and takes the channel hops. tcpreplay sends a simulated venue's probe
 * requests into the other end at 5,000 frames/s (from a copy of the capture whose link type
 * editcap rewrote to Ethernet, which tcpreplay needs to send on a veth). Wi-Fi alone runs
 * `footfall run` itself; with BLE, live-child.ts composes the same daemon with noble's own HCI
 * bindings over a stand-in socket, into which this process pipes a simulated store's
 * advertisements at 3,000/s as the controller's HCI events.
 *
 * Over the driven period: CPU time (user + system, every thread of the process) per second of
 * wall time from /proc/PID/stat; frames sent against frames the daemon counted and the kernel
 * dropped, from its status file; the longest event-loop pause, from loop-delay.ts inside the
 * process. Peak RSS is the process's (VmHWM), start-up included.
 */
import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readStatus, type DaemonStatus } from '../src/core/status-file.js';
import type { SourceHealth } from '../src/payloads/payloads.js';
import { hciReportOf, leAdvertisingReport, PDU_TYPE } from '../src/sim/ble-frames.js';
import { bleAdvertisements } from '../src/sim/ble-venue.js';
import { FLAT_CURVE } from '../src/sim/daily-curve.js';
import { fixtures, type CaptureOptions } from '../src/sim/generate.js';
import { createNetns, netnsUnavailable, type Netns } from '../test/helpers/netns.js';
import { LOOP_DELAY_FILE_VARIABLE, type LoopDelay } from './loop-delay.js';
import { commandExists, verdict } from './measure.js';

const execFileAsync = promisify(execFile);

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FOOTFALL = path.join(ROOT, 'dist/cli/main.js');
const CHILD = fileURLToPath(new URL('./live-child.js', import.meta.url));
const LOOP_DELAY_MODULE = new URL('./loop-delay.js', import.meta.url).href;

/** How long the daemon is driven by default, and the least the Wi-Fi capture is made for. */
export const DEFAULT_LIVE_SECONDS = 180;
const WIFI_FRAMES_PER_SECOND = 5000;
const BLE_ADVERTISEMENTS_PER_SECOND = 3000;
/**
 * Probe requests per distinct address in the daemon's window. Real captures have 7 to 8 (the
 * lab's 24,367 came from 3,071 addresses); 8 is the fewest the simulated venue gives in an hour.
 */
const FRAMES_PER_ADDRESS = 8;
const TARGET = { cpuPercent: 10, peakRssMb: 128, pauseMs: 50 };
/** The daemon's window (the default), set in its config so that a run knows whether it crossed one's end. */
const WINDOW_MINUTES = 60;
/** How long the daemon may take to be ready, and to stop. */
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 60_000;

/**
 * An `iw` for a machine without Wi-Fi: every interface is a monitor one, every channel is taken.
 * In sh, where the daemon test's stand-in (test/helpers/fake-iw.ts) is a Node.js script: the
 * daemon hops channels twice a second, and starting Node.js for each hop would load the two cores
 * being measured.
 */
const FAKE_IW = `#!/bin/sh
case "$1 $3" in
  "dev info") printf 'Interface %s\\n\\ttype monitor\\n\\twiphy 0\\n' "$2" ;;
  "dev set") ;;
  *) echo "command failed: Operation not supported (-95)" >&2; exit 161 ;;
esac
`;

export interface LiveOptions {
  seconds: number;
  /** Drive BLE too, through live-child.ts; otherwise Wi-Fi alone through `footfall run`. */
  ble: boolean;
  /** Where generated captures are cached. */
  fixturesDir: string;
  log: (line: string) => void;
}

export interface SourceTraffic {
  /** Distinct addresses among what was sent; undefined when only the start of the capture was. */
  addresses: number | undefined;
  sent: number;
  counted: number;
  malformed: number;
  /** What the kernel dropped before the daemon read it (the daemon's own count); a Bluetooth controller reports none. */
  dropped: number;
  /**
   * Frames the kernel dropped between the veth's two ends, which the daemon cannot see: the
   * veth's own drops and those of the CPUs' input backlogs. Wi-Fi only.
   */
  droppedBeforeCapture?: number;
}

export interface LiveResult {
  daemon: 'footfall run' | 'live-child';
  /** Wall time of the driven period. */
  seconds: number;
  cpuPercent: number;
  userPercent: number;
  systemPercent: number;
  peakRssMb: number;
  /** RSS at the end of the driven period. */
  rssMb: number;
  pauses: LoopDelay;
  wifi: SourceTraffic;
  ble?: SourceTraffic;
  /** The daemon's window ended during the run: its report was made, and is in the figures. */
  windowEnded: boolean;
}

/** Why the live benchmark cannot run here; undefined when it can. */
export function liveUnavailable(): string | undefined {
  if (!commandExists('tcpreplay')) return 'tcpreplay is not installed (apt-get install tcpreplay)';
  if (!commandExists('editcap')) return 'editcap is not installed (apt-get install wireshark-common)';
  return netnsUnavailable();
}

/**
 * A venue whose hour of probe requests, replayed in `seconds` at 5,000/s, fills the daemon's
 * window with as many addresses as an hour there would (a constant crowd, as the benchmark's).
 * Made for at least the default run, of which a shorter one sends the start: in a smaller crowd
 * the venue's staff alone give more than 8 frames per address.
 */
function wifiVenue(seconds: number): Omit<CaptureOptions, 'path'> {
  const frames = WIFI_FRAMES_PER_SECOND * Math.max(seconds, DEFAULT_LIVE_SECONDS);
  return {
    seed: 'footfall-live',
    startMs: Date.UTC(2026, 10, 23, 10),
    hours: 1,
    frames,
    addresses: Math.round(frames / FRAMES_PER_ADDRESS),
    layout: 'mixed',
    curve: FLAT_CURVE,
    streetCurve: FLAT_CURVE,
  };
}

/** The capture with its link type rewritten to Ethernet, beside it; made once. */
async function asEthernet(capture: string): Promise<string> {
  const ethernet = capture.replace(/\.pcap$/, '.ethernet.pcap');
  if (!fs.existsSync(ethernet)) {
    const temporary = `${ethernet}.${process.pid}.tmp`;
    await execFileAsync('editcap', ['-F', 'pcap', '-T', 'ether', capture, temporary]);
    fs.renameSync(temporary, ethernet);
  }
  return ethernet;
}

/** HCI event packets, end to end, and where each ends. */
interface HciEvents {
  bytes: Buffer;
  ends: number[];
  addresses: number;
}

/**
 * A store's advertisements as its controller reports them in a passive scan (an LE Advertising
 * Report event each), 3,000/s for `seconds`, on the simulated store's own clock: 2,400 phones
 * there all along, each advertising about once a second and rotating its resolvable private
 * address every 5 to 15 minutes, and visitors' phones coming and going. A passive scan has no
 * scan responses, and the controller does not report what is directed at other devices. They are
 * paced on the wall clock by count, as tcpreplay paces frames.
 */
function bleEvents(seconds: number): HciEvents {
  const wanted = BLE_ADVERTISEMENTS_PER_SECOND * seconds;
  const packets: Buffer[] = [];
  const addresses = new Set<number>();
  // The crowd sends some 3,200/s: 10% more time than needed leaves enough.
  for (const advertisement of bleAdvertisements({ seed: 'footfall-live', startMs: Date.UTC(2026, 10, 23, 10), durationMs: seconds * 1100, phones: 2400, visitorsPerHour: 3000, curve: FLAT_CURVE })) {
    if (advertisement.pduType === PDU_TYPE.SCAN_RSP || advertisement.pduType === PDU_TYPE.ADV_DIRECT_IND) continue;
    packets.push(leAdvertisingReport([hciReportOf(advertisement, false)]));
    addresses.add(advertisement.address);
    if (packets.length === wanted) break;
  }
  if (packets.length < wanted) throw new Error(`the simulated store sent ${packets.length} advertisements, fewer than the ${wanted} wanted`);
  let end = 0;
  return { bytes: Buffer.concat(packets), ends: packets.map((packet) => (end += packet.length)), addresses: addresses.size };
}

/**
 * Frames dropped so far on their way from the veth's outer end to the inner one: the veth's own
 * count (a frame its peer refused), and the second column of /proc/net/softnet_stat, the frames
 * each CPU's input backlog had no room for (every interface's, on a VM where nothing else runs).
 */
function dropsBeforeCapture(outer: string): number {
  const veth = Number(fs.readFileSync(`/sys/class/net/${outer}/statistics/tx_dropped`, 'utf8'));
  const backlogs = fs.readFileSync('/proc/net/softnet_stat', 'utf8').trim().split('\n');
  return backlogs.reduce((sum, line) => sum + Number.parseInt(line.trim().split(/\s+/)[1]!, 16), veth);
}

function clockTicksPerSecond(): number {
  return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
}

/** User and system CPU time of a process so far, every thread included, in clock ticks. */
function cpuTicks(pid: number): { user: number; system: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields 14 and 15 (utime, stime), counted after the command name, which may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]), system: Number(fields[12]) };
}

/** A memory figure of /proc/PID/status (VmHWM, VmRSS) in MB. */
function memoryMb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match === null) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** NODE_OPTIONS as the systemd unit sets them (the heap's cap), so that the daemon's memory is as on a sensor. */
function unitNodeOptions(): string {
  const unit = fs.readFileSync(path.join(ROOT, 'systemd/footfall.service'), 'utf8');
  return /^Environment=("?)NODE_OPTIONS=(.*)\1$/m.exec(unit)?.[2] ?? '';
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The daemon process, with what it said on stderr and how it exited. */
class DaemonProcess {
  private stderr = '';
  private exitCode: number | null | undefined;
  readonly exited: Promise<number | null>;

  constructor(
    readonly child: ChildProcess,
    private readonly runtimeDir: string,
  ) {
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr = (this.stderr + chunk).slice(-4000)));
    // A daemon that dies while advertisements are piped to it breaks the pipe: its exit says why.
    child.stdin?.on('error', () => {});
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve((this.exitCode = code))));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Its status once `ready` holds for it; throws if it exits or takes too long. */
  async until(what: string, ready: (status: DaemonStatus) => boolean, timeoutMs = START_TIMEOUT_MS): Promise<DaemonStatus> {
    const endMs = Date.now() + timeoutMs;
    for (;;) {
      if (this.exitCode !== undefined) throw new Error(`the daemon exited with ${this.exitCode} before ${what}: ${this.lastWords()}`);
      const reading = readStatus(this.runtimeDir);
      if (reading.running && ready(reading.status)) return reading.status;
      if (Date.now() > endMs) throw new Error(`timed out waiting for ${what}: ${this.lastWords()}`);
      await delay(200);
    }
  }

  /** The figures loop-delay.ts writes at SIGUSR2: the pauses since the previous signal. */
  async loopDelay(file: string): Promise<LoopDelay> {
    fs.rmSync(file, { force: true });
    this.child.kill('SIGUSR2');
    const endMs = Date.now() + 10_000;
    while (!fs.existsSync(file)) {
      if (Date.now() > endMs) throw new Error(`the daemon wrote no event-loop figures: ${this.lastWords()}`);
      await delay(20);
    }
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LoopDelay;
  }

  /** SIGTERM, and its exit code; SIGKILL if it does not stop in time. */
  async stop(): Promise<number | null> {
    if (this.exitCode !== undefined) return this.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  lastWords(): string {
    return this.stderr.trim().split('\n').slice(-3).join(' | ') || '(nothing on stderr)';
  }
}

/** Sends the first `frames` of the capture into `iface` at `perSecond`; resolves with the frames sent, rejects on a failed send. */
async function replay(iface: string, file: string, frames: number, perSecond: number): Promise<number> {
  // --timer=nano sleeps between frames; the default busy-waits, taking a whole core of two.
  const args = ['--timer=nano', `--pps=${perSecond}`, `--limit=${frames}`, `--intf1=${iface}`, file];
  const { stdout } = await execFileAsync('tcpreplay', args, { maxBuffer: 1 << 20 });
  const successful = /Successful packets:\s+(\d+)/.exec(stdout)?.[1];
  const failed = Number(/Failed packets:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  if (successful === undefined || failed > 0) throw new Error(`tcpreplay: ${stdout.trim().split('\n').join(' | ')}`);
  return Number(successful);
}

/**
 * Writes `events` to `stream` at `perSecond` on the wall clock, in whatever is due each
 * millisecond (a few packets: a controller reports each advertisement on its own).
 */
function pace(stream: NodeJS.WritableStream, events: HciEvents, perSecond: number): Promise<number> {
  const { bytes, ends } = events;
  return new Promise((resolve) => {
    const startMs = performance.now();
    let sent = 0;
    const timer = setInterval(() => {
      const due = Math.min(ends.length, Math.floor(((performance.now() - startMs) / 1000) * perSecond));
      if (due > sent) {
        stream.write(bytes.subarray(sent === 0 ? 0 : ends[sent - 1], ends[due - 1]));
        sent = due;
      }
      if (sent === ends.length) {
        clearInterval(timer);
        resolve(sent);
      }
    }, 1);
  });
}

function configFile(dir: string, iface: string, ble: boolean): string {
  const file = path.join(dir, 'footfall.yaml');
  fs.writeFileSync(
    file,
    [
      'sensor:',
      '  id: live-bench',
      'capture:',
      '  wifi:',
      `    interface: ${iface}`,
      // A veth carries the frames: its link type is Ethernet, what it carries is radiotap.
      '    link_type: radiotap',
      '  ble:',
      `    enabled: ${ble}`,
      'clock:',
      "  sync_command: 'true'",
      'privacy:',
      `  window_minutes: ${WINDOW_MINUTES}`,
      'paths:',
      `  state_dir: ${path.join(dir, 'state')}`,
      `  runtime_dir: ${path.join(dir, 'run')}`,
      '',
    ].join('\n'),
  );
  return file;
}

const SOURCE_KINDS = ['wifi', 'ble'] as const;
const NOT_LISTENING: SourceHealth = { state: 'off', frames_per_second: 0, frames: 0, malformed: 0, dropped: 0 };
const counted = (status: DaemonStatus, kind: (typeof SOURCE_KINDS)[number]): SourceHealth => status.health.sources[kind] ?? NOT_LISTENING;
/** Every frame the daemon has accounted for, counted or not. */
const frameTotal = (status: DaemonStatus) => SOURCE_KINDS.map((kind) => counted(status, kind)).reduce((sum, s) => sum + s.frames + s.malformed + s.dropped, 0);

/** Runs the daemon, drives it for `seconds` and measures it; removes what it made, whatever happens. */
export async function measureLive(options: LiveOptions): Promise<LiveResult> {
  const { seconds, ble, log } = options;
  const venue = wifiVenue(seconds);
  const framesToSend = WIFI_FRAMES_PER_SECOND * seconds;
  log(`  the capture: ${venue.frames!.toLocaleString('en')} probe requests from about ${venue.addresses!.toLocaleString('en')} addresses in an hour (generated once, then cached)`);
  const capture = await fixtures(options.fixturesDir).capture(venue);
  const ethernet = await asEthernet(capture.path);
  // The venue's hour is one window of the simulation's truth.
  const wifiAddresses = framesToSend === capture.frames ? capture.truth[0]?.addresses : undefined;
  let advertisements: HciEvents | undefined;
  if (ble) {
    log(`  the advertisements: ${(BLE_ADVERTISEMENTS_PER_SECOND * seconds).toLocaleString('en')} from a simulated store ...`);
    advertisements = bleEvents(seconds);
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-bench-live-'));
  let ns: Netns | undefined;
  let daemon: DaemonProcess | undefined;
  try {
    ns = await createNetns();
    const binDir = path.join(dir, 'bin');
    fs.mkdirSync(binDir);
    fs.writeFileSync(path.join(binDir, 'iw'), FAKE_IW, { mode: 0o755 });
    const config = configFile(dir, ns.inner, ble);
    const loopDelayFile = path.join(dir, 'loop-delay.json');
    const env = {
      ...process.env,
      PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}`,
      NODE_OPTIONS: unitNodeOptions(),
      [LOOP_DELAY_FILE_VARIABLE]: loopDelayFile,
    };
    const command = ble ? [process.execPath, CHILD, '--config', config] : [process.execPath, '--import', LOOP_DELAY_MODULE, FOOTFALL, 'run', '--config', config];
    const running = new DaemonProcess(ns.exec(command, { env, stdio: [ble ? 'pipe' : 'ignore', 'ignore', 'pipe'] }), path.join(dir, 'run'));
    daemon = running;
    const before = await running.until('it was capturing with a synchronized clock', (status) => {
      const sources = status.health.sources;
      return status.clock.synced && sources.wifi?.state === 'capturing' && (!ble || sources.ble?.state.startsWith('scanning') === true);
    });

    log(`  driving ${ble ? "live-child (the daemon with noble's HCI bindings on a stand-in socket)" : 'footfall run'}, pid ${running.pid}, for ${seconds} s ...`);
    await running.loopDelay(loopDelayFile);
    const ticksBefore = cpuTicks(running.pid);
    const dropsBeforeCaptureAtStart = dropsBeforeCapture(ns.outer);
    const startMs = performance.now();
    const windowAtStart = Math.floor(Date.now() / (WINDOW_MINUTES * 60_000));
    const [wifiSent, bleSent] = await Promise.all([
      replay(ns.outer, ethernet, framesToSend, WIFI_FRAMES_PER_SECOND),
      advertisements === undefined ? 0 : pace(running.child.stdin!, advertisements, BLE_ADVERTISEMENTS_PER_SECOND),
    ]);
    const drivenSeconds = (performance.now() - startMs) / 1000;
    const windowEnded = Math.floor(Date.now() / (WINDOW_MINUTES * 60_000)) !== windowAtStart;
    const ticksAfter = cpuTicks(running.pid);
    const rssMb = memoryMb(running.pid, 'VmRSS');
    const pauses = await running.loopDelay(loopDelayFile);

    // The status file is rewritten every 2 s: the counts are final once two writes agree.
    let previous = await running.until('its status after the run', () => true);
    const after = await running.until('its counts to settle', (status) => {
      const settled = status.updated_at !== previous.updated_at && frameTotal(status) === frameTotal(previous);
      previous = status;
      return settled;
    });
    const peakRssMb = memoryMb(running.pid, 'VmHWM');
    const droppedBeforeCapture = dropsBeforeCapture(ns.outer) - dropsBeforeCaptureAtStart;
    const exitCode = await running.stop();
    if (exitCode !== 0) throw new Error(`the daemon exited with ${exitCode} when stopped: ${running.lastWords()}`);

    const ticks = clockTicksPerSecond();
    const percentOfCore = (delta: number) => (delta / ticks / drivenSeconds) * 100;
    const traffic = (kind: 'wifi' | 'ble', sent: number, addresses: number | undefined): SourceTraffic => ({
      addresses,
      sent,
      counted: counted(after, kind).frames - counted(before, kind).frames,
      malformed: counted(after, kind).malformed - counted(before, kind).malformed,
      dropped: counted(after, kind).dropped - counted(before, kind).dropped,
    });
    return {
      daemon: ble ? 'live-child' : 'footfall run',
      seconds: drivenSeconds,
      cpuPercent: percentOfCore(ticksAfter.user + ticksAfter.system - ticksBefore.user - ticksBefore.system),
      userPercent: percentOfCore(ticksAfter.user - ticksBefore.user),
      systemPercent: percentOfCore(ticksAfter.system - ticksBefore.system),
      peakRssMb,
      rssMb,
      pauses,
      wifi: { ...traffic('wifi', wifiSent, wifiAddresses), droppedBeforeCapture },
      ...(advertisements === undefined ? {} : { ble: traffic('ble', bleSent, advertisements.addresses) }),
      windowEnded,
    };
  } finally {
    await daemon?.stop();
    await ns?.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** What was sent and what became of it; `drops` names who reports drops (a Bluetooth controller reports none). */
function describeTraffic(name: string, what: string, traffic: SourceTraffic, drops?: string): string {
  const figure = (n: number) => n.toLocaleString('en');
  const missing = traffic.sent - traffic.counted - traffic.malformed - traffic.dropped;
  const addresses = traffic.addresses === undefined ? 'the first of the capture' : `${figure(traffic.addresses)} addresses`;
  const dropped = drops === undefined ? '' : `${figure(traffic.dropped)} dropped by ${drops}, `;
  const beforeCapture = traffic.droppedBeforeCapture === undefined ? '' : ` (${figure(traffic.droppedBeforeCapture)} dropped on the veth or a CPU's input backlog, before capture)`;
  return (
    `  ${name} ${figure(traffic.sent)} ${what} sent (${addresses}), ${figure(traffic.counted)} counted, ${figure(traffic.malformed)} malformed, ` +
    `${dropped}${figure(missing)} unaccounted for${beforeCapture}   (target: nothing dropped: ${verdict(traffic.dropped === 0 && missing === 0)})`
  );
}

export function describeLive(result: LiveResult): string[] {
  const { pauses } = result;
  const sources = result.ble === undefined ? 'Wi-Fi alone' : 'Wi-Fi and BLE';
  const rates = [`${WIFI_FRAMES_PER_SECOND.toLocaleString('en')} probe requests/s`, ...(result.ble === undefined ? [] : [`${BLE_ADVERTISEMENTS_PER_SECOND.toLocaleString('en')} advertisements/s`])];
  return [
    `Live daemon, ${sources} (${result.daemon}), ${result.seconds.toFixed(0)} s at ${rates.join(' and ')}:`,
    `  CPU ${result.cpuPercent.toFixed(1)}% of one core (user ${result.userPercent.toFixed(1)}%, system ${result.systemPercent.toFixed(1)}%)   (target < ${TARGET.cpuPercent}%: ${verdict(result.cpuPercent < TARGET.cpuPercent)})`,
    ...(result.ble === undefined
      ? []
      : [`    of which ${((pauses.standInMs / 1000 / result.seconds) * 100).toFixed(1)}% the stand-in socket's cutting of its input into HCI packets (the kernel's work on a sensor)`]),
    `  peak RSS ${result.peakRssMb.toFixed(0)} MB, ${result.rssMb.toFixed(0)} MB at the end   (target < ${TARGET.peakRssMb} MB: ${verdict(result.peakRssMb < TARGET.peakRssMb)})`,
    describeTraffic('Wi-Fi', 'frames', result.wifi, 'the kernel'),
    ...(result.ble === undefined ? [] : [describeTraffic('BLE  ', 'advertisements', result.ble)]),
    `  longest event-loop pause ${pauses.maxMs.toFixed(1)} ms, 99th percentile ${pauses.p99Ms.toFixed(1)} ms, as a ${pauses.resolutionMs} ms timer saw them (up to ${pauses.resolutionMs} ms more than the pause)   (target < ${TARGET.pauseMs} ms: ${verdict(pauses.maxMs < TARGET.pauseMs)})`,
    ...(result.windowEnded ? ['  a window ended during the run: its report was made, and is in these figures'] : []),
  ];
}
