/**
 * Ground truth per UTC window, kept while the venue streams: what a perfect counter would
 * report. It holds one window at a time (a set of that window's addresses and the stays of
 * devices inside), so memory does not grow with the length of the simulation.
 */

import { DWELL_BUCKETS, type DwellBucket } from '../payloads/payloads.js';
import { isLocallyAdministered, type Role } from './device.js';

export interface WindowTruth {
  /** The part of the UTC window the simulation covered: the whole window except at its ends. */
  startMs: number;
  endMs: number;
  /** Probe requests the sensor received (all frames in the capture). */
  frames: number;
  /** Distinct source addresses, and how many had the locally-administered bit clear or set. */
  addresses: number;
  addressesGlobal: number;
  addressesRandomized: number;
  /** Distinct devices present at any time in the window, inside or nearby (passers-by). */
  devices: number;
  devicesInside: number;
  devicesNearby: number;
  /** Devices the sensor received at least one frame from in the window. */
  devicesHeard: number;
  /** Devices inside, by minutes spent inside within the window. */
  dwellMinutes: Record<DwellBucket, number>;
  /** Devices inside at any time in each 5-minute UTC slot of the window, in order. */
  occupancy: number[];
  /** Devices inside (visitors, staff, fixed devices: not passers-by) the sensor heard in each slot. */
  occupancyHeard: number[];
}

/** What the recorder needs to know about a device. */
export interface PresentDevice {
  readonly arriveUs: number;
  readonly leaveUs: number;
  readonly role: Role;
  heardWindow: number;
  /** The occupancy slot (counted from the epoch) in which the device was last heard. */
  heardSlot: number;
}

export const OCCUPANCY_SLOT_MINUTES = 5;
const SLOT_US = OCCUPANCY_SLOT_MINUTES * 60_000_000;

function dwellBucket(minutes: number): DwellBucket {
  if (minutes < 5) return '0-5';
  if (minutes < 15) return '5-15';
  if (minutes < 30) return '15-30';
  if (minutes <= 60) return '30-60';
  return '60+';
}

export class TruthRecorder {
  private index = 0;
  private startUs = 0;
  private windowEndUs = 0;
  private slotEndUs = 0;
  private frames = 0;
  private readonly addresses = new Set<number>();
  private addressesGlobal = 0;
  private devicesInside = 0;
  private devicesNearby = 0;
  private devicesHeard = 0;
  /** For each device inside: when its presence in this window began, and when it leaves. */
  private stays: number[] = [];
  private occupancy: number[] = [];
  private occupancyHeard: number[] = [];
  private slotIndex = 0;

  constructor(
    private readonly windowUs: number,
    private readonly onWindow: (truth: WindowTruth) => void,
  ) {
    if (!(windowUs > 0)) throw new RangeError('the truth window must be a positive length');
  }

  /** Opens the window that contains `startUs`; `active` are the devices present at that moment. */
  begin(startUs: number, active: Iterable<PresentDevice>): void {
    this.openWindow(startUs, active);
  }

  /** Opens every window and slot that starts at or before `us`, closing the ones before. */
  advanceTo(us: number, active: Iterable<PresentDevice>): void {
    while (us >= this.slotEndUs) {
      const boundary = this.slotEndUs;
      if (boundary >= this.windowEndUs) {
        this.close(boundary);
        this.openWindow(boundary, active);
      } else {
        this.openSlot(boundary, active);
      }
    }
  }

  /** A device that arrives now (at or after the last `advanceTo`). */
  arrive(device: PresentDevice, atUs: number): void {
    this.countPresence(device, atUs);
    if (device.role !== 'passerby') this.occupancy[this.occupancy.length - 1]!++;
  }

  frame(device: PresentDevice, address: number): void {
    this.frames++;
    if (!this.addresses.has(address)) {
      this.addresses.add(address);
      if (!isLocallyAdministered(address)) this.addressesGlobal++;
    }
    if (device.heardWindow !== this.index) {
      device.heardWindow = this.index;
      this.devicesHeard++;
    }
    if (device.role !== 'passerby' && device.heardSlot !== this.slotIndex) {
      device.heardSlot = this.slotIndex;
      this.occupancyHeard[this.occupancyHeard.length - 1]!++;
    }
  }

  /** Closes the open window at `endUs`, the end of the simulation. */
  finish(endUs: number, active: Iterable<PresentDevice>): void {
    this.advanceTo(endUs - 1, active);
    this.close(endUs);
  }

  private openWindow(startUs: number, active: Iterable<PresentDevice>): void {
    this.index = Math.floor(startUs / this.windowUs);
    this.startUs = startUs;
    this.windowEndUs = (this.index + 1) * this.windowUs;
    this.frames = 0;
    this.addresses.clear();
    this.addressesGlobal = 0;
    this.devicesInside = 0;
    this.devicesNearby = 0;
    this.devicesHeard = 0;
    this.stays = [];
    this.occupancy = [];
    this.occupancyHeard = [];
    for (const device of active) if (device.leaveUs > startUs) this.countPresence(device, startUs);
    this.openSlot(startUs, active);
  }

  private openSlot(startUs: number, active: Iterable<PresentDevice>): void {
    this.slotIndex = Math.floor(startUs / SLOT_US);
    this.slotEndUs = Math.min(this.windowEndUs, (this.slotIndex + 1) * SLOT_US);
    this.occupancyHeard.push(0);
    let inside = 0;
    for (const device of active) if (device.role !== 'passerby' && device.leaveUs > startUs) inside++;
    this.occupancy.push(inside);
  }

  private countPresence(device: PresentDevice, fromUs: number): void {
    if (device.role === 'passerby') {
      this.devicesNearby++;
      return;
    }
    this.devicesInside++;
    this.stays.push(Math.max(device.arriveUs, fromUs), device.leaveUs);
  }

  private close(endUs: number): void {
    const dwellMinutes = Object.fromEntries(DWELL_BUCKETS.map((b) => [b, 0])) as Record<DwellBucket, number>;
    for (let i = 0; i < this.stays.length; i += 2) {
      const minutes = (Math.min(this.stays[i + 1]!, endUs) - this.stays[i]!) / 60_000_000;
      dwellMinutes[dwellBucket(minutes)]++;
    }
    this.onWindow({
      startMs: this.startUs / 1000,
      endMs: endUs / 1000,
      frames: this.frames,
      addresses: this.addresses.size,
      addressesGlobal: this.addressesGlobal,
      addressesRandomized: this.addresses.size - this.addressesGlobal,
      devices: this.devicesInside + this.devicesNearby,
      devicesInside: this.devicesInside,
      devicesNearby: this.devicesNearby,
      devicesHeard: this.devicesHeard,
      dwellMinutes,
      occupancy: this.occupancy,
      occupancyHeard: this.occupancyHeard,
    });
  }
}
