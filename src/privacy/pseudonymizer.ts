/**
 * The privacy boundary: receives Sightings (raw addresses) from capture sources and hands
 * Observations (tokens) to the counting side. It owns the open window's key: the key is made or
 * continued when a window opens and destroyed, file and memory, when it closes.
 */
import type { Sighting, SightingSink } from '../capture/sighting.js';
import type { SourceKind } from '../capture/source.js';
import { isoSeconds } from '../count/windows.js';
import type { Logger } from '../log/logger.js';
import type { IgnoreList } from './ignore-list.js';
import type { BleAddressKind, Observation, ObservationSink } from './observation.js';
import { TokenDomain, Tokenizer } from './tokenizer.js';
import type { WindowKeyOrigin, WindowKeyStore } from './window-keys.js';

const OCTET_SHIFT = 2 ** 40;
const LOCALLY_ADMINISTERED = 0x02;
const GROUP = 0x01;
const BLE_RANDOM = 1;

/**
 * A random BLE address's two top bits say its kind: 11 static, 01 resolvable private (rotates,
 * resolvable with the device's IRK), 00 non-resolvable private; 10 is reserved, and counted
 * with the non-resolvable ones since nothing can resolve it either.
 */
function bleAddressKind(addressType: number, firstOctet: number): BleAddressKind {
  if (addressType !== BLE_RANDOM) return 'public';
  switch (firstOctet >> 6) {
    case 0b11:
      return 'random_static';
    case 0b01:
      return 'resolvable';
    default:
      return 'nonresolvable';
  }
}

export interface PseudonymizerOptions {
  keys: WindowKeyStore;
  tokenBits: number;
  tokenCacheSize: number;
  /** Devices never counted (`capture.ignore`); none when absent. */
  ignore?: IgnoreList;
  /** Says at debug how many frames the ignore list took out of each window: a number only. */
  logger?: Logger;
}

export class Pseudonymizer implements SightingSink {
  private next: ObservationSink | null = null;
  private readonly tokenizer: Tokenizer;
  private openWindowStartMs: number | null = null;
  private ignore: IgnoreList | undefined;
  /** Set with the list, so that an empty ignore list costs a frame one boolean test. */
  private ignoring: boolean;
  /** Frames the ignore list took since the last window ended, or the next began. */
  private ignoredFrames = 0;
  private readonly observation: Observation = {
    source: 'wifi',
    timeMs: 0,
    token: '',
    tokenId: -1,
    addressKind: 'global',
    group: false,
    rssi: Number.NaN,
    channel: 0,
    sequence: -1,
    signature: null,
  };

  constructor(private readonly options: PseudonymizerOptions) {
    this.tokenizer = new Tokenizer(options.tokenBits, options.tokenCacheSize);
    this.ignore = options.ignore;
    this.ignoring = options.ignore !== undefined && options.ignore.size > 0;
  }

  /** Replaces the devices never counted (the daemon reloaded capture.ignore), from the next frame on. */
  setIgnoreList(ignore: IgnoreList): void {
    this.ignore = ignore;
    this.ignoring = ignore.size > 0;
  }

  connect(next: ObservationSink): void {
    this.next = next;
  }

  /** Starts tokenizing with the window's key, and says where the key came from (continued, made, replaced). */
  beginWindow(windowStartMs: number): { origin: WindowKeyOrigin } {
    const { key, origin } = this.options.keys.obtain(windowStartMs);
    // The window before may still be finishing (its report made in slices): its frames end here.
    if (this.openWindowStartMs !== null) this.sayIgnored(this.openWindowStartMs);
    this.tokenizer.useKey(key);
    this.openWindowStartMs = windowStartMs;
    return { origin };
  }

  /** Destroys a window's key, file and memory: its tokens can never be linked to addresses again. */
  endWindow(windowStartMs: number): void {
    if (this.openWindowStartMs === windowStartMs) {
      this.sayIgnored(windowStartMs);
      this.tokenizer.forgetKey();
      this.openWindowStartMs = null;
    }
    this.options.keys.destroy(windowStartMs);
  }

  private sayIgnored(windowStartMs: number): void {
    if (!this.ignoring) return;
    this.options.logger?.debug('frames ignored (capture.ignore) while the window was open', { window: isoSeconds(windowStartMs), frames: this.ignoredFrames });
    this.ignoredFrames = 0;
  }

  /** The open window key's check value (see Tokenizer.keyCheck), for its checkpoints. */
  keyCheck(): string {
    return this.tokenizer.keyCheck();
  }

  /** Destroys leftover keys of windows that are no longer open (found at start-up). */
  destroyStaleKeys(): number {
    return this.options.keys.destroyAllExcept(this.openWindowStartMs);
  }

  onSighting(sighting: Sighting): void {
    // Before anything else, the clock included: an ignored frame goes nowhere, not even into the
    // counts of frames held back or dropped.
    if (this.ignoring && this.ignore!.matches(sighting.address)) {
      this.ignoredFrames++;
      return;
    }
    const next = this.next;
    if (next === null || !next.advanceTo(sighting.timeMs)) return;
    const tokenizer = this.tokenizer;
    if (!tokenizer.hasKey) return;
    const firstOctet = Math.floor(sighting.address / OCTET_SHIFT);
    const wifi = sighting.source === 'wifi';
    const o = this.observation;
    o.source = sighting.source;
    o.timeMs = sighting.timeMs;
    o.token = tokenizer.token(wifi ? TokenDomain.WifiAddress : TokenDomain.BleAddress, sighting.address);
    o.tokenId = tokenizer.lastId;
    if (wifi) {
      o.addressKind = firstOctet & LOCALLY_ADMINISTERED ? 'randomized' : 'global';
      o.group = (firstOctet & GROUP) !== 0;
    } else {
      o.addressKind = bleAddressKind(sighting.addressType, firstOctet);
      o.group = false;
    }
    o.rssi = sighting.rssi;
    o.channel = sighting.channel;
    o.sequence = sighting.sequence;
    o.signature =
      sighting.signature === 0 ? null : tokenizer.token(wifi ? TokenDomain.WifiSignature : TokenDomain.BleSignature, sighting.signature);
    next.onObservation(o);
  }

  onMalformed(source: SourceKind, timeMs: number): void {
    const next = this.next;
    if (next !== null && next.advanceTo(timeMs)) next.onMalformed(source, timeMs);
  }
}
