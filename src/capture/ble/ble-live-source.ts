/**
 * BLE advertisements from a Bluetooth controller, through noble and its HCI socket bindings: the
 * BLE source behind `footfall run`.
 *
 * Bluetooth is optional for the daemon. noble is loaded only when run() begins, and a machine
 * without Bluetooth in the kernel, without the adapter, or with the adapter off, unauthorized or
 * unsupported leaves run() waiting (Wi-Fi counts on alone) while state() says why; the adapter
 * is looked for again every 30 s, so plugging one in later works. Only a programming error (the
 * sink throwing) rejects run().
 *
 * noble 1.9.2-26 was written to connect to a few devices, not to hear thousands of rotating
 * addresses, so this source adjusts it in five places, each explained where it happens: passive
 * scanning (noble always scans actively), the advertising reports read from the HCI socket's
 * packets by footfall's own parser (noble's costs several times as much per advertisement),
 * every advertising report delivered (noble holds some back), its SIGINT handler (which can exit
 * the process), and its per-address tables (which never shrink).
 */
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { oneLine, type Logger } from '../../log/logger.js';
import type { PhoneMarker } from '../phone-marker.js';
import { emptySighting, type SightingSink } from '../sighting.js';
import type { CaptureSource, SourceStats } from '../source.js';
import { advertisingSignature } from './advertising-signature.js';
import { LINKTYPE_BLUETOOTH_HCI_H4 } from './ble-frame.js';
import { BleFrameDelivery } from './frame-delivery.js';
import { isAdvertisingReportPacket, RSSI_UNAVAILABLE } from './hci-event.js';

/** How often a missing adapter (or missing Bluetooth support) is looked for again. */
export const INIT_RETRY_MS = 30_000;
/** How often noble's per-address tables are swept; an entry outlives its last advertisement by one to two periods. */
export const TABLE_SWEEP_MS = 120_000;
/** The stall watchdog looks this many times per stall_seconds, so a stall is seen within a quarter of it. */
const WATCHDOG_TICKS_PER_STALL = 4;

/** HCI command packet indicator, and the LE Set Scan Parameters opcodes (OGF 0x08, OCF 0x000b and 0x0041). */
const HCI_COMMAND_PACKET = 0x01;
const LE_SET_SCAN_PARAMETERS = 0x200b;
const LE_SET_EXTENDED_SCAN_PARAMETERS = 0x2041;

/** noble's parsed advertising data (gap.js, parseServices): one object per address, merged with every report. */
interface NobleAdvertisement {
  localName?: string;
  txPowerLevel?: number;
  manufacturerData?: Buffer;
  serviceData: { uuid: string; data: Buffer }[];
  serviceUuids: string[];
  serviceSolicitationUuids?: string[];
}

/** What noble passes for a device: objects it reuses and mutates, so read them at once. */
interface NoblePeripheral {
  address: string;
  addressType: string;
  rssi: number;
  advertisement: NobleAdvertisement;
}

/** The Noble object of `@abandonware/noble/with-bindings`, with the tables this source prunes. */
interface Noble extends EventEmitter {
  /** Reading it the first time initializes the bindings, synchronously. */
  readonly state: string;
  startScanning(serviceUuids: string[], allowDuplicates: boolean): void;
  stopScanning(): void;
  reset(): void;
  _peripherals: Record<string, unknown>;
  _services: Record<string, unknown>;
  _characteristics: Record<string, unknown>;
  _descriptors: Record<string, unknown>;
  _discoveredPeripheralUUids: Record<string, boolean>;
}

/** The per-device tables of noble's HCI socket bindings (lib/hci-socket/bindings.js), keyed by uuid. */
const HCI_UUID_TABLES = ['_addresses', '_addresseTypes', '_connectable', 'scannable'] as const;

/**
 * The bindings noble drives: `lib/hci-socket/bindings.js` on a sensor, a fake in tests. They emit
 * `stateChange`, `scanStart`, `scanStop` and `discover(uuid, address, addressType, connectable,
 * advertisement, rssi, scannable)`. The underscored members are the HCI bindings' internals this
 * source reaches into; other bindings lack them, and then nothing is done to them.
 */
export interface NobleBindings extends EventEmitter {
  init(): void;
  startScanning(serviceUuids: string[] | undefined, allowDuplicates: boolean): void;
  stopScanning(): void;
  reset(): void;
  _hci?: {
    _socket?: { write(packet: Buffer): void; stop?(): void };
    pollIsDevUp?: () => void;
    /** hci.js's handler of every packet the controller sends (bound to the socket's `data` at init). */
    onSocketData?: (packet: Buffer) => void;
  };
  _gap?: { _discoveries?: Record<string, object> };
  _addresses?: Record<string, unknown>;
  _addresseTypes?: Record<string, unknown>;
  _connectable?: Record<string, unknown>;
  scannable?: Record<string, unknown>;
}

/** noble, loaded: a require() rooted in its package, and `with-bindings`. */
interface NobleModule {
  require: NodeJS.Require;
  withBindings: (bindings: NobleBindings) => Noble;
}

export interface BleLiveSourceOptions {
  /** Controller index, 0 for hci0 (config `capture.ble.adapter`). */
  adapter: number;
  /** Listen only, never send scan requests (config `capture.ble.passive`). */
  passive: boolean;
  /** Restart the scan after this long without an advertisement (config `capture.ble.stall_seconds`). */
  stallSeconds: number;
  logger: Logger;
  /** Makes the bindings for an adapter; by default noble's HCI socket bindings. Tests inject fakes. */
  createBindings?: (adapter: number) => NobleBindings;
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** `aa:bb:cc:dd:ee:ff` as the integer 0xaabbccddeeff; -1 when it is not an address. */
export function parseAddress(text: string): number {
  if (text.length !== 17) return -1;
  let value = 0;
  for (let i = 0; i < 17; i++) {
    const code = text.charCodeAt(i);
    if (i % 3 === 2) {
      if (code !== 58) return -1;
      continue;
    }
    const digit = hexDigit(code);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/**
 * Turns an LE Set Scan Parameters or LE Set Extended Scan Parameters command into a passive one,
 * in place; other packets are left alone. noble 1.9.2-26 writes scan type 1 (active) into both
 * (lib/hci-socket/hci.js, setScanParameters) and offers no option or environment variable to
 * change it: its setScanParameters(interval, window) takes only the timing, and gap.js sends the
 * command with the defaults before every scan start anyway.
 */
export function makeScanPassive(packet: Uint8Array): void {
  if (packet.length < 5 || packet[0] !== HCI_COMMAND_PACKET) return;
  const opcode = packet[1]! | (packet[2]! << 8);
  if (opcode === LE_SET_SCAN_PARAMETERS) {
    packet[4] = 0;
  } else if (opcode === LE_SET_EXTENDED_SCAN_PARAMETERS && packet.length >= 7) {
    // Own address type, filter policy, the scanning PHYs bitmap, then five bytes per PHY, the
    // first of which is its scan type.
    const phys = packet[6]!;
    let offset = 7;
    for (let bit = 0; bit < 8; bit++) {
      if ((phys & (1 << bit)) === 0) continue;
      if (offset < packet.length) packet[offset] = 0;
      offset += 5;
    }
  }
}

/** Makes every scan passive by rewriting the commands on their way to the controller; false when the bindings have no HCI socket. */
function scanPassively(bindings: NobleBindings): boolean {
  const socket = bindings._hci?._socket;
  if (!socket) return false;
  const write = socket.write;
  socket.write = (packet: Buffer) => {
    makeScanPassive(packet);
    write.call(socket, packet);
  };
  return true;
}

/**
 * Hands the controller's advertising report events to `onReport` instead of noble, which never
 * sees them; every other packet reaches noble's HCI layer as before. noble's path costs some
 * 17 us an advertisement on the benchmark's machine (hci.js and gap.js format addresses and UUIDs
 * as strings, and the debug calls build their hex texts even when off; bindings.js and noble.js
 * fill their per-address tables), several times what footfall's parser (the one replay uses for
 * HCI captures) and counting take; and a sensor hears thousands of advertisements a second. The
 * reports are then read as a capture of the same packets would be: each report on its own, not
 * merged with the address's earlier ones as gap.js does. No-op for bindings without hci.js.
 */
function takeAdvertisingReports(bindings: NobleBindings, onReport: (packet: Buffer) => void): void {
  const hci = bindings._hci;
  const parse = hci?.onSocketData;
  if (hci === undefined || typeof parse !== 'function') return;
  // An own property: hci.js binds this.onSocketData to the socket when it initializes, later.
  hci.onSocketData = (packet: Buffer) => (isAdvertisingReportPacket(packet) ? onReport(packet) : parse.call(hci, packet));
}

/** Removes the process's `event` listeners that were not among `before`. */
function removeListenersAddedSince(event: 'SIGINT' | 'exit', before: readonly Function[]): void {
  const emitter: EventEmitter = process;
  for (const listener of emitter.listeners(event)) {
    if (!before.includes(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
  }
}

/** Error texts from noble may name a device; this keeps addresses (any separator, or none) out of logs and states. */
function withoutAddresses(text: string): string {
  return text.replace(/[0-9a-f]{2}(?:[:.-]?[0-9a-f]{2}){5}/gi, '<address>');
}

export class BleLiveSource implements CaptureSource {
  readonly kind = 'ble' as const;
  readonly description: string;

  private readonly adapterName: string;
  private readonly sighting = emptySighting('ble');
  /** Parses the advertising reports taken from the HCI socket, as replay parses a capture's. */
  private readonly delivery = new BleFrameDelivery();
  /** The installer's phone to mark while a calibration runs; null otherwise. */
  private marker: PhoneMarker | null = null;
  /** noble's gap entries as they were at the last sweep: gap.js replaces an address's entry with each report. */
  private readonly gapEntriesAtLastSweep = new WeakSet<object>();
  private currentState = 'not started';
  private sink: SightingSink | undefined;
  private nobleModule: NobleModule | undefined;
  private bindings: NobleBindings | undefined;
  private noble: Noble | undefined;
  private scansPassively = false;
  private started = false;
  private stopped = false;
  /** Settles the run in progress: without a failure when stopped, with it otherwise. */
  private settle: ((failure?: { error: unknown }) => void) | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private watchdogTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private lastInitFailure = '';
  private framesRead = 0;
  /** True from poweredOn until the adapter leaves that state: advertisements are expected. */
  private scanWanted = false;
  private hasScanned = false;
  private framesAtLastTick = 0;
  private silentTicks = 0;
  /** Recovery steps taken in the current stall: odd ones restart the scan, even ones reset the controller. */
  private stallSteps = 0;

  constructor(private readonly options: BleLiveSourceOptions) {
    this.adapterName = `hci${options.adapter}`;
    this.description = `Bluetooth adapter ${this.adapterName}`;
  }

  /**
   * What the source is doing, for status, health and doctor: `not started`, `starting`,
   * `unavailable: no Bluetooth in this kernel`, `unavailable: <reason>`, `no adapter hciN`,
   * noble's adapter states (`poweredOff`, `unauthorized`, `unsupported`, `resetting`),
   * `starting scan`, `scanning (passive)`, `scanning (active)`, `stalled, restarting scan`,
   * `stalled, resetting adapter`, `stopped`.
   */
  state(): string {
    return this.currentState;
  }

  /** Scanning, or stalled and recovering: advertisements can arrive. */
  listening(): boolean {
    return this.scanWanted;
  }

  /** Advertisements received since run() began; the controller reports no drops. */
  stats(): SourceStats {
    return { frames: this.framesRead, dropped: 0 };
  }

  mark(marker: PhoneMarker | null): void {
    this.marker = marker;
    this.delivery.marker = marker;
  }

  /** Ends the run (it resolves); stop() before run() makes run() return at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.end();
  }

  /** Delivers advertisements until stop(), waiting for an adapter while there is none; rejects only with what the sink threw. */
  async run(sink: SightingSink): Promise<void> {
    if (this.started) throw new Error('a BleLiveSource runs once');
    this.started = true;
    if (this.stopped) return;
    this.sink = sink;
    try {
      await new Promise<void>((resolve, reject) => {
        this.settle = (failure) => (failure ? reject(failure.error) : resolve());
        this.initialize();
      });
    } finally {
      this.release();
      this.currentState = 'stopped';
      this.options.logger.info('BLE capture stopped', { adapter: this.adapterName, frames: this.framesRead });
    }
  }

  private end(failure?: { error: unknown }): void {
    const settle = this.settle;
    if (!settle) return;
    this.settle = undefined;
    settle(failure);
  }

  /** Runs a timer's work; what it throws is a programming error and ends the run with it. */
  private guarded(work: () => void): () => void {
    return () => {
      try {
        work();
      } catch (error) {
        this.end({ error });
      }
    };
  }

  /** Loads noble once per run, at the first attempt: never at module load, so that a machine without Bluetooth still starts. */
  private loadNoble(): NobleModule {
    if (this.nobleModule) return this.nobleModule;
    const nobleRequire = createRequire(createRequire(import.meta.url).resolve('@abandonware/noble/with-bindings'));
    // gap.js holds back a connectable device's advertisement until a scan response arrives or
    // the device advertises again; a passive scan gets no scan responses, so without this every
    // address would lose its first advertisement. gap.js reads it at every report.
    process.env.NOBLE_REPORT_ALL_HCI_EVENTS = '1';
    // DEBUG=hci makes noble print every HCI packet in hex, device addresses included: whatever
    // DEBUG says, noble's namespaces stay off.
    const debug = nobleRequire('debug') as { enable(namespaces: string): void; disable(): string };
    const enabled = debug.disable();
    if (enabled) debug.enable(`${enabled},-hci,-gap,-noble,-att,-signaling`);
    const withBindings = nobleRequire('./with-bindings.js') as NobleModule['withBindings'];
    return (this.nobleModule = { require: nobleRequire, withBindings });
  }

  private createBindings(nobleRequire: NodeJS.Require): NobleBindings {
    const { adapter, createBindings } = this.options;
    if (createBindings) return createBindings(adapter);
    const HciBindings = nobleRequire('./lib/hci-socket/bindings.js') as new (options: { deviceId: number }) => NobleBindings;
    return new HciBindings({ deviceId: adapter });
  }

  /** Opens the adapter through noble; on failure, says why and tries again in INIT_RETRY_MS. */
  private initialize(): void {
    this.retryTimer = undefined;
    if (this.stopped) return;
    const { passive, logger } = this.options;
    let noble: Noble;
    let bindings: NobleBindings;
    try {
      const nobleModule = this.loadNoble();
      bindings = this.createBindings(nobleModule.require);
      takeAdvertisingReports(bindings, this.onReportPacket);
      noble = nobleModule.withBindings(bindings);
    } catch (error) {
      this.initializationFailed(error);
      return;
    }
    const scansPassively = passive && scanPassively(bindings);
    noble.on('warning', this.onNobleWarning);
    noble.on('scanStart', this.onScanStart);
    noble.on('scanStop', this.onScanStop);
    noble.on('discover', this.onDiscover);
    // The HCI bindings add a SIGINT listener that exits the process when it is the last one,
    // which it is once the daemon's own is registered first: the daemon's shutdown would never
    // run. Their exit listener only stops the scan, which stop() does.
    const sigintBefore = (process as EventEmitter).listeners('SIGINT');
    const exitBefore = (process as EventEmitter).listeners('exit');
    try {
      // The first read of noble.state initializes the bindings synchronously, so that a missing
      // adapter throws here rather than in a later tick where noble would only warn.
      void noble.state;
    } catch (error) {
      this.initializationFailed(error);
      return;
    } finally {
      removeListenersAddedSince('SIGINT', sigintBefore);
      removeListenersAddedSince('exit', exitBefore);
    }
    this.noble = noble;
    this.bindings = bindings;
    this.scansPassively = scansPassively;
    if (passive && !scansPassively) {
      logger.warn('these Bluetooth bindings cannot scan passively: scanning actively, so the adapter sends scan requests', { adapter: this.adapterName });
    }
    this.lastInitFailure = '';
    this.currentState = 'starting';
    logger.info('Bluetooth adapter opened', { adapter: this.adapterName, passive: scansPassively });
    noble.on('stateChange', this.onStateChange);
    this.watchdogTimer = setInterval(this.guarded(this.watch), (this.options.stallSeconds * 1000) / WATCHDOG_TICKS_PER_STALL);
    this.sweepTimer = setInterval(this.guarded(this.sweepTables), TABLE_SWEEP_MS);
    // Bindings may have reported a state while initializing, before the listener was there.
    if (noble.state !== 'unknown') this.onStateChange(noble.state);
  }

  private initializationFailed(error: unknown): void {
    const code = (error as { code?: unknown } | null)?.code;
    const adapter = this.adapterName;
    let state: string;
    let advice: string;
    if (code === 'EAFNOSUPPORT') {
      state = 'unavailable: no Bluetooth in this kernel';
      advice = 'this kernel has no Bluetooth support: counting Wi-Fi only (load the bluetooth module, or set capture.ble.enabled: false)';
    } else if (code === 'ENODEV') {
      state = `no adapter ${adapter}`;
      advice = `there is no Bluetooth adapter ${adapter}: counting Wi-Fi only until it appears (check capture.ble.adapter; btmgmt info lists the adapters)`;
    } else if (code === 'EPERM' || code === 'EACCES') {
      state = 'unauthorized';
      advice = `no permission to use Bluetooth adapter ${adapter}: run footfall as root or give it the capabilities CAP_NET_RAW and CAP_NET_ADMIN`;
    } else {
      state = `unavailable: ${withoutAddresses(oneLine(error))}`;
      advice = `cannot use Bluetooth adapter ${adapter}: counting Wi-Fi only`;
    }
    this.currentState = state;
    if (state !== this.lastInitFailure) {
      this.options.logger.warn(advice, { adapter, state, retry_seconds: INIT_RETRY_MS / 1000 });
      this.lastInitFailure = state;
    } else {
      this.options.logger.debug('Bluetooth adapter still unavailable', { adapter, state });
    }
    this.retryTimer = setTimeout(this.guarded(() => this.initialize()), INIT_RETRY_MS);
  }

  private scanningState(): string {
    return this.scansPassively ? 'scanning (passive)' : 'scanning (active)';
  }

  private readonly onStateChange = (state: string): void => {
    const { logger } = this.options;
    const adapter = this.adapterName;
    this.stallSteps = 0;
    this.silentTicks = 0;
    if (state === 'poweredOn') {
      logger.info('Bluetooth adapter powered on', { adapter });
      this.scanWanted = true;
      this.currentState = 'starting scan';
      // Duplicates allowed: every advertisement counts, for its RSSI and its time.
      this.noble!.startScanning([], true);
      return;
    }
    this.scanWanted = false;
    this.hasScanned = false;
    this.currentState = state;
    if (state === 'poweredOff') {
      logger.warn(`Bluetooth adapter ${adapter} is off: counting Wi-Fi only until it is on (rfkill unblock bluetooth; bluetoothctl power on)`, { adapter, state });
    } else if (state === 'unauthorized') {
      logger.warn(`no permission to use Bluetooth adapter ${adapter}: run footfall as root or give it the capabilities CAP_NET_RAW and CAP_NET_ADMIN`, { adapter, state });
    } else if (state === 'unsupported') {
      logger.warn(`Bluetooth adapter ${adapter} does not support Bluetooth Low Energy: use a Bluetooth 4.0 or newer adapter`, { adapter, state });
    } else {
      logger.info('Bluetooth adapter state', { adapter, state });
    }
  };

  private readonly onScanStart = (): void => {
    if (!this.scanWanted || this.stallSteps > 0) return;
    this.currentState = this.scanningState();
    if (!this.hasScanned) this.options.logger.info('scanning', { adapter: this.adapterName, passive: this.scansPassively });
    this.hasScanned = true;
  };

  private readonly onScanStop = (): void => {
    this.options.logger.debug('scan stopped', { adapter: this.adapterName });
  };

  private readonly onNobleWarning = (message: unknown): void => {
    this.options.logger.debug('noble warning', { adapter: this.adapterName, text: withoutAddresses(String(message)) });
  };

  /** An advertising report event from the controller, taken before noble saw it (takeAdvertisingReports). */
  private readonly onReportPacket = (packet: Buffer): void => {
    // This runs inside the HCI socket's data event: a throw would end the process.
    try {
      this.framesRead++;
      // The wall clock, not a monotonic one: a Raspberry Pi's clock is stepped when it syncs.
      this.delivery.deliver(LINKTYPE_BLUETOOTH_HCI_H4, packet, 0, packet.length, packet.length, Date.now(), this.sink!);
    } catch (error) {
      this.end({ error });
    }
  };

  /** An advertisement as noble parsed it, from bindings without an HCI layer to take the reports from. */
  private readonly onDiscover = (peripheral: NoblePeripheral): void => {
    // This runs inside the HCI socket's data event: a throw would end the process.
    try {
      this.framesRead++;
      const timeMs = Date.now();
      const address = parseAddress(peripheral.address);
      const type = peripheral.addressType;
      const addressType = type === 'public' ? 0 : type === 'random' ? 1 : -1;
      if (address < 0 || addressType < 0) {
        this.sink!.onMalformed('ble', timeMs);
        return;
      }
      const sighting = this.sighting;
      // The wall clock, not a monotonic one: a Raspberry Pi's clock is stepped when it syncs.
      sighting.timeMs = timeMs;
      sighting.address = address;
      sighting.addressType = addressType;
      sighting.rssi = peripheral.rssi === RSSI_UNAVAILABLE ? Number.NaN : peripheral.rssi;
      sighting.signature = advertisingSignature(peripheral.advertisement);
      sighting.marked = this.marker !== null && this.marker.matchesAdvertisement(peripheral.advertisement);
      this.sink!.onSighting(sighting);
    } catch (error) {
      this.end({ error });
    }
  };

  /**
   * The stall watchdog. While a scan is wanted and nothing arrives for stall_seconds, it restarts
   * the scan; after another stall_seconds of silence it resets the controller (HCI Reset) and
   * starts the scan again, and so on alternately. Each step is logged once per stall.
   */
  private readonly watch = (): void => {
    const frames = this.framesRead;
    const heard = frames !== this.framesAtLastTick;
    this.framesAtLastTick = frames;
    if (!this.scanWanted) return;
    const { logger, stallSeconds } = this.options;
    const adapter = this.adapterName;
    if (heard) {
      if (this.stallSteps > 0) {
        logger.info('advertisements again after a stall', { adapter, recovery_steps: this.stallSteps });
        this.stallSteps = 0;
        this.currentState = this.scanningState();
      }
      this.silentTicks = 0;
      return;
    }
    this.silentTicks++;
    if (this.silentTicks % WATCHDOG_TICKS_PER_STALL !== 0) return;
    this.stallSteps++;
    const noble = this.noble!;
    noble.stopScanning();
    if (this.stallSteps % 2 === 1) {
      this.currentState = 'stalled, restarting scan';
      if (this.stallSteps === 1) logger.warn('no advertisements: restarting the scan', { adapter, silent_seconds: stallSeconds });
    } else {
      this.currentState = 'stalled, resetting adapter';
      if (this.stallSteps === 2) logger.warn('still no advertisements after restarting the scan: resetting the Bluetooth controller', { adapter, silent_seconds: 2 * stallSeconds });
      noble.reset();
    }
    noble.startScanning([], true);
  };

  /**
   * noble keeps a Peripheral and three tables per address, the HCI bindings four tables per
   * address and gap.js its own discoveries, and none of them ever drops an entry: with private
   * addresses rotating every few minutes they grow without end. This source never connects, so
   * nothing in them is needed once a device has gone quiet. Each sweep keeps what was heard since
   * the previous one (noble marks it in _discoveredPeripheralUUids, which it resets itself at
   * every scan start, and with duplicates allowed it does not filter by it; gap.js replaces an
   * address's entry with every report) and rebuilds the tables from that, so their hash tables
   * shrink as well.
   */
  private readonly sweepTables = (): void => {
    const noble = this.noble!;
    const bindings = this.bindings!;
    const heard = noble._discoveredPeripheralUUids;
    noble._discoveredPeripheralUUids = {};
    noble._peripherals = keepOnly(noble._peripherals, heard);
    noble._services = keepOnly(noble._services, heard);
    noble._characteristics = keepOnly(noble._characteristics, heard);
    noble._descriptors = keepOnly(noble._descriptors, heard);
    for (const name of HCI_UUID_TABLES) {
      const table = bindings[name];
      if (table) bindings[name] = keepOnly(table, heard);
    }
    const gap = bindings._gap;
    if (gap?._discoveries) {
      const kept: Record<string, object> = {};
      for (const address in gap._discoveries) {
        const entry = gap._discoveries[address]!;
        if (this.gapEntriesAtLastSweep.has(entry)) continue;
        this.gapEntriesAtLastSweep.add(entry);
        kept[address] = entry;
      }
      gap._discoveries = kept;
    }
  };

  /** Stops the timers and the scan, and lets go of the HCI socket so that the process can exit. */
  private release(): void {
    clearTimeout(this.retryTimer);
    clearInterval(this.watchdogTimer);
    clearInterval(this.sweepTimer);
    const noble = this.noble;
    if (!noble) return;
    noble.removeListener('stateChange', this.onStateChange);
    noble.removeListener('scanStart', this.onScanStart);
    noble.removeListener('scanStop', this.onScanStop);
    noble.removeListener('discover', this.onDiscover);
    if (this.scanWanted) noble.stopScanning();
    this.scanWanted = false;
    const hci = this.bindings?._hci;
    if (hci) {
      // hci.js polls the adapter every second for ever (setTimeout(this.pollIsDevUp.bind(this)))
      // and offers no way to stop: this ends the chain at its next turn.
      hci.pollIsDevUp = () => {};
      hci._socket?.stop?.();
    }
  }
}

function keepOnly<T>(table: Record<string, T>, keys: Record<string, unknown>): Record<string, T> {
  const kept: Record<string, T> = {};
  for (const key in keys) {
    const value = table[key];
    if (value !== undefined) kept[key] = value;
  }
  return kept;
}
