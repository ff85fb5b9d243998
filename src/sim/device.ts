/**
 * One simulated device: its address policy, sequence counter, screen habits, scans and signal.
 * It yields its frames one at a time (`emit`, then `advance`), so the venue can merge thousands
 * of devices into one time-ordered stream without planning any of them ahead.
 */

import type { Probe, ProbeElements } from './frames.js';
import type { DeviceProfile } from './profiles.js';
import type { Random } from './random.js';

export type Role = 'visitor' | 'passerby' | 'staff';

/** One probe request as a device sends it: the frame's contents plus who sent it (ground truth). */
export interface Emission extends Probe {
  readonly profile: DeviceProfile;
  /** The simulation's id of the device (not an address; stable for the device's whole stay). */
  readonly deviceId: number;
  readonly role: Role;
}

/** Channels 1, 6 and 11: the ones phones probe on 2.4 GHz, in the order a scan visits them. */
export const SCAN_CHANNELS_MHZ: readonly number[] = [2412, 2437, 2462];

/** Share of scans in which a device with a hidden network also probes for it by name. */
const DIRECTED_SCAN_SHARE = 0.3;
/**
 * Per-frame fading around the device's mean signal, dB: the median of the labelled phones' RSSI
 * standard deviations within one scan (2.1 to 4.3 dB, from the five whose sniffers agree).
 */
const FADING_SD_DB = 2.8;
/** Per-scan drift of a moving visitor's mean signal, dB. */
const DRIFT_SD_DB = 1.5;
/** A passer-by's signal is this much weaker at the ends of the walk past than at its middle. */
const PASS_BY_EDGE_DB = 6;

const US_PER_S = 1_000_000;

export interface DevicePlan {
  readonly id: number;
  readonly role: Role;
  readonly profile: DeviceProfile;
  readonly arriveUs: number;
  readonly leaveUs: number;
  /** The mean signal in dBm (for a passer-by, at the middle of the walk) and how far it may drift. */
  readonly rssi: { readonly mean: number; readonly min: number; readonly max: number };
  /** When the device starts being simulated (its arrival, or the simulation's start). */
  readonly fromUs: number;
  /** The device's own random stream. */
  readonly rng: Random;
}

const HIDDEN_NETWORK_NAMES = ['home', 'office', 'studio', 'flat', 'guest', 'lab', 'shop', 'cabin'];

export class SimDevice {
  readonly id: number;
  readonly role: Role;
  readonly profile: DeviceProfile;
  readonly arriveUs: number;
  readonly leaveUs: number;
  /** Time of the frame `emit` will return. */
  nextUs = 0;
  /** The truth window in which this device was last heard (for "devices heard" counts). */
  heardWindow = -1;
  /** The occupancy slot in which it was last heard (for "devices inside heard" per slot). */
  heardSlot = -1;

  private readonly rng: Random;
  private readonly ownElements: ProbeElements;
  private readonly hiddenSsid: string;
  private readonly rssiRange: DevicePlan['rssi'];
  private rssiMean: number;
  private address = 0;
  private addressUntilUs = 0;
  private sequence: number;
  private elements: ProbeElements;
  private bursts = 0;
  private burstIndex = 0;
  private wildcardLeft = 0;
  private directedLeft = 0;
  private directedScan = false;

  constructor(plan: DevicePlan) {
    this.id = plan.id;
    this.role = plan.role;
    this.profile = plan.profile;
    this.arriveUs = plan.arriveUs;
    this.leaveUs = plan.leaveUs;
    this.rssiRange = plan.rssi;
    this.rssiMean = plan.rssi.mean;
    const rng = plan.rng;
    this.rng = rng;
    this.ownElements = plan.profile.elements(rng);
    this.elements = this.ownElements;
    this.hiddenSsid = rng.chance(plan.profile.hiddenNetwork)
      ? `${rng.pick(HIDDEN_NETWORK_NAMES)}-${rng.int(0, 0xffff).toString(16).padStart(4, '0')}`
      : '';
    this.sequence = rng.int(0, 4095);
    const policy = plan.profile.macPolicy;
    if (policy.kind === 'global') this.address = rng.pick(policy.ouis) * 0x1000000 + rng.int(0, 0xffffff);
    // The device was scanning before it came into range: its first scan falls anywhere in one gap.
    this.startScan(plan.fromUs + Math.round(this.scanGapUs() * rng.float()));
  }

  /** When the device next needs the venue's attention: its next frame, or its departure. */
  get eventUs(): number {
    return Math.min(this.nextUs, this.leaveUs);
  }

  /** The frame due at `nextUs`. Call `advance` afterwards. */
  emit(): Emission {
    return {
      timeMs: this.nextUs / 1000,
      address: this.address,
      sequence: this.sequence,
      rssi: Math.round(this.meanRssiAt(this.nextUs) + this.rng.normal(0, FADING_SD_DB)),
      channelMhz: SCAN_CHANNELS_MHZ[this.burstIndex % SCAN_CHANNELS_MHZ.length]!,
      ssid: this.wildcardLeft > 0 ? '' : this.hiddenSsid,
      elements: this.elements,
      profile: this.profile,
      deviceId: this.id,
      role: this.role,
    };
  }

  /** Moves to the next frame: the next one of this burst, the next burst, or the next scan. */
  advance(): void {
    if (this.wildcardLeft > 0) this.wildcardLeft--;
    else this.directedLeft--;
    const { sequenceStep, sequenceGapPerBurst } = this.profile;
    if (this.wildcardLeft + this.directedLeft > 0) {
      this.stepSequence(this.rng.int(...sequenceStep));
      this.nextUs += this.gapUs(this.profile.frameGapMs);
    } else if (this.burstIndex + 1 < this.bursts) {
      this.burstIndex++;
      this.stepSequence(1 + this.rng.int(...sequenceGapPerBurst));
      if (this.profile.macPolicy.kind === 'per-burst') this.newAddress();
      this.beginBurst();
      this.nextUs += this.gapUs(this.profile.burstGapMs);
    } else {
      this.stepSequence(1);
      this.startScan(this.nextUs + Math.max(1, this.scanGapUs()));
    }
  }

  private startScan(atUs: number): void {
    this.nextUs = atUs;
    const policy = this.profile.macPolicy;
    if (policy.kind === 'per-scan' || policy.kind === 'per-burst') this.newAddress();
    else if (policy.kind === 'timed' && atUs >= this.addressUntilUs) {
      this.newAddress();
      this.addressUntilUs = atUs + Math.round(this.rng.logNormal(policy.medianMinutes * 60, 0.5) * US_PER_S);
    }
    const other = this.profile.otherScanElements;
    this.elements = other !== undefined && this.rng.chance(other.share) ? other.elements : this.ownElements;
    this.bursts = Math.max(1, Math.round(this.rng.fromDeciles(this.profile.burstsPerScan)));
    this.burstIndex = 0;
    this.directedScan = this.hiddenSsid !== '' && this.rng.chance(DIRECTED_SCAN_SHARE);
    if (this.role !== 'passerby') {
      const { min, max } = this.rssiRange;
      this.rssiMean = Math.min(max, Math.max(min, this.rssiMean + this.rng.normal(0, DRIFT_SD_DB)));
    }
    this.beginBurst();
  }

  private newAddress(): void {
    this.address = randomLocalAddress(this.rng);
    if (this.profile.sequence === 'reset') this.sequence = this.rng.int(0, 4095);
  }

  private stepSequence(by: number): void {
    this.sequence = (this.sequence + by) & 0xfff;
  }

  private beginBurst(): void {
    const frames = Math.max(1, Math.round(this.rng.fromDeciles(this.profile.framesPerBurst)));
    this.directedLeft = this.directedScan ? 1 : 0;
    this.wildcardLeft = Math.max(1, frames - this.directedLeft);
  }

  private meanRssiAt(us: number): number {
    if (this.role !== 'passerby') return this.rssiMean;
    const half = (this.leaveUs - this.arriveUs) / 2;
    const offCentre = Math.min(1, Math.abs(us - this.arriveUs - half) / half);
    return this.rssiMean - PASS_BY_EDGE_DB * offCentre;
  }

  private scanGapUs(): number {
    return Math.round(this.rng.fromDeciles(this.profile.scanGapSeconds) * US_PER_S);
  }

  private gapUs([min, max]: readonly [number, number]): number {
    return Math.max(1, Math.round(this.rng.uniform(min, max) * 1000));
  }
}

/** 46 random bits with the locally-administered bit set and the group bit clear. */
function randomLocalAddress(rng: Random): number {
  const first = (rng.int(0, 255) & 0xfc) | 0x02;
  return (first * 256 + rng.int(0, 255)) * 0x1_0000_0000 + rng.next();
}

/** True when the locally-administered bit (0x02 of the first octet) is set. */
export function isLocallyAdministered(address: number): boolean {
  return (Math.floor(address / 0x100_0000_0000) & 0x02) !== 0;
}
