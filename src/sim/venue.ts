/**
 * The population model: a store with visitors who come in, stay and leave, people walking past
 * outside, and a few staff and fixed devices, merged into one time-ordered stream of probe
 * requests as a sensor inside the store would receive them.
 *
 * It streams: devices are created when they arrive and dropped when they leave, and a min-heap
 * keyed by each device's next frame merges them, so memory is bounded by the devices present,
 * not by the length of the day. Ground truth comes per UTC window through `onWindow`.
 *
 * Where the defaults come from:
 * - visitors: a small high-street store, 50 arrivals an hour at the busiest moments, stays
 *   log-normal with a median of 15 minutes and σ = 0.9 (about one visit in fourteen lasts over an
 *   hour), capped at 4 hours; that keeps 20–30 people inside at the peaks, like the lab capture's
 *   25–29 people;
 * - passers-by: 30 an hour at the street's peak, in range for a log-normal 45 s; walls and the
 *   shop window put them at -84 to -90 dBm at their closest, and the sensor (sensitivity
 *   -95 dBm, a typical 1 Mb/s figure) hears only part of their frames;
 * - inside, devices are between -50 and -75 dBm and drift as people move (the lab capture's
 *   bulk is -50 to -75 dBm), with 2 dB of fading per frame;
 * - 95% of people carry a phone, 8% of visitors a second device (laptop or tablet).
 */

import { ArrivalStream, EventQueue } from './arrivals.js';
import { curveAt, STORE_CURVE, STREET_CURVE, type DailyCurve } from './daily-curve.js';
import { SimDevice, type Emission, type Role } from './device.js';
import {
  keepsAddressAcrossScans,
  PHONES,
  SECOND_DEVICES,
  STAFF_DEVICES,
  type DeviceProfile,
  type WeightedProfile,
} from './profiles.js';
import { Random, type Seed } from './random.js';
import { TruthRecorder, type WindowTruth } from './truth.js';

export interface VenueOptions {
  seed: Seed;
  /** Start of the simulation, ms since the Unix epoch; default 2026-11-23T00:00:00Z (a Monday). */
  startMs?: number;
  /** Length of the simulation; default 24. */
  hours?: number;
  /** Stop after this many frames (the stream and the truth end at that frame). */
  maxFrames?: number;
  /** Length of the ground-truth windows, aligned to UTC; a divisor of 1440; default 60. */
  windowMinutes?: number;
  /** Local time of the daily curves = UTC + this; default 0. */
  utcOffsetMinutes?: number;
  /** Visitors arriving per hour where `curve` is 1; default 50. */
  arrivalsPerHour?: number;
  /** Visitors' daily curve; default STORE_CURVE. */
  curve?: DailyCurve;
  /** Median time a visitor stays, minutes; default 15. */
  medianStayMinutes?: number;
  /** σ of the log of the stay; default 0.9. */
  staySigma?: number;
  /** People walking past per hour where `streetCurve` is 1; default 30. */
  passersPerHour?: number;
  /** Passers-by's daily curve; default STREET_CURVE. */
  streetCurve?: DailyCurve;
  /** Staff and fixed devices present the whole time, with global addresses; default 3. */
  staffDevices?: number;
  /** Share of people who carry a phone; default 0.95. */
  phoneShare?: number;
  /** Share of visitors who also carry a laptop or tablet; default 0.08. */
  secondDeviceShare?: number;
  /** Frames weaker than this (after fading) are not received; default -95 dBm. */
  sensitivityDbm?: number;
  /**
   * Share of people whose devices keep one address across scans (global, or random for hours);
   * the others' change it at every scan or burst. Default: as the models' market shares give
   * (about 8% of phones). The frame/address targets in target.ts tune this.
   */
  stableShare?: number;
}

export const DEFAULT_START_MS = Date.UTC(2026, 10, 23);

const HOUR_US = 3_600_000_000;
const MAX_STAY_US = 4 * HOUR_US;
const MIN_STAY_US = 60_000_000;
const MEDIAN_PASS_S = 45;
const MAX_PASS_US = 300_000_000;
const CLOSING_STEP_US = 60_000_000;

/**
 * Random stream numbers: each part of the model draws from its own stream, and each person and
 * device from its own, numbered by the arrival stream it came from and its place in it. Another
 * rate or share then changes the people it concerns and leaves the others as they were, which
 * target.ts needs to correct a run.
 */
const STREAM = { STAFF: 0, VISITORS: 1, PASSERS: 2, WARM_VISITORS: 3, WARM_PASSERS: 4, PEOPLE: 5, DEVICE: 6 } as const;
type ArrivalKind = typeof STREAM.VISITORS | typeof STREAM.PASSERS | typeof STREAM.WARM_VISITORS | typeof STREAM.WARM_PASSERS;

export type ResolvedVenueOptions = Required<Omit<VenueOptions, 'maxFrames' | 'stableShare'>> &
  Pick<VenueOptions, 'maxFrames' | 'stableShare'>;

export function resolveVenueOptions(options: VenueOptions): ResolvedVenueOptions {
  const resolved = {
    startMs: DEFAULT_START_MS,
    hours: 24,
    windowMinutes: 60,
    utcOffsetMinutes: 0,
    arrivalsPerHour: 50,
    curve: STORE_CURVE,
    medianStayMinutes: 15,
    staySigma: 0.9,
    passersPerHour: 30,
    streetCurve: STREET_CURVE,
    staffDevices: 3,
    phoneShare: 0.95,
    secondDeviceShare: 0.08,
    sensitivityDbm: -95,
    ...withoutUndefined(options),
    seed: options.seed,
  };
  const { hours, windowMinutes, arrivalsPerHour, passersPerHour, staffDevices, maxFrames } = resolved;
  if (!(hours > 0)) throw new RangeError('hours must be positive');
  if (!Number.isInteger(windowMinutes) || windowMinutes <= 0 || 1440 % windowMinutes !== 0) {
    throw new RangeError('windowMinutes must divide 1440');
  }
  if (!(arrivalsPerHour >= 0) || !(passersPerHour >= 0)) throw new RangeError('arrival rates cannot be negative');
  if (!Number.isInteger(staffDevices) || staffDevices < 0) throw new RangeError('staffDevices must be a whole number');
  if (maxFrames !== undefined && !(Number.isInteger(maxFrames) && maxFrames > 0)) {
    throw new RangeError('maxFrames must be a positive whole number');
  }
  for (const key of ['phoneShare', 'secondDeviceShare', 'stableShare'] as const) {
    const share = resolved[key];
    if (share !== undefined && !(share >= 0 && share <= 1)) throw new RangeError(`${key} must be between 0 and 1`);
  }
  return resolved;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

interface Models {
  readonly phones: readonly WeightedProfile[];
  readonly secondDevices: readonly WeightedProfile[];
}

const ALL_MODELS: Models = { phones: PHONES, secondDevices: SECOND_DEVICES };

/** Creates the devices people bring, drawing everything from one stream in arrival order. */
class Population {
  private nextId = 0;
  /** People who came from each arrival stream so far. */
  private readonly arrived = new Map<ArrivalKind, number>();
  /** The models that change their address, and those that keep it. */
  private readonly rotating: Models;
  private readonly stable: Models;

  constructor(
    private readonly options: ResolvedVenueOptions,
    private readonly startUs: number,
    private readonly endUs: number,
  ) {
    const keeping = (keeps: boolean) => (p: WeightedProfile) => keepsAddressAcrossScans(p.profile) === keeps;
    this.rotating = { phones: PHONES.filter(keeping(false)), secondDevices: SECOND_DEVICES.filter(keeping(false)) };
    this.stable = { phones: PHONES.filter(keeping(true)), secondDevices: SECOND_DEVICES.filter(keeping(true)) };
  }

  staff(): SimDevice[] {
    return Array.from({ length: this.options.staffDevices }, (_, i) => {
      const mean = new Random(this.options.seed, STREAM.PEOPLE, STREAM.STAFF, i).uniform(-70, -50);
      const rng = new Random(this.options.seed, STREAM.DEVICE, STREAM.STAFF, i);
      return this.device('staff', STAFF_DEVICES[i % STAFF_DEVICES.length]!, this.startUs, this.endUs, this.startUs, mean, rng);
    });
  }

  /** The devices of the next person of `kind`, arriving at `arriveUs`, simulated from `fromUs`; none if gone by then. */
  arrive(role: 'visitor' | 'passerby', kind: ArrivalKind, arriveUs: number, fromUs: number): SimDevice[] {
    const person = this.arrived.get(kind) ?? 0;
    this.arrived.set(kind, person + 1);
    const rng = new Random(this.options.seed, STREAM.PEOPLE, kind, person);
    const deviceRng = (device: number) => new Random(this.options.seed, STREAM.DEVICE, kind, person, device);
    const o = this.options;
    const stayUs =
      role === 'visitor'
        ? Math.min(MAX_STAY_US, Math.max(MIN_STAY_US, rng.logNormal(o.medianStayMinutes * 60_000_000, o.staySigma)))
        : Math.min(MAX_PASS_US, rng.logNormal(MEDIAN_PASS_S * 1_000_000, 0.5));
    const leaveUs = role === 'visitor' ? this.closingBefore(arriveUs + Math.round(stayUs), arriveUs) : arriveUs + Math.round(stayUs);
    const hasPhone = rng.chance(o.phoneShare);
    const { phones, secondDevices } = this.models(rng);
    const phone = rng.weighted(phones).profile;
    const second = role === 'visitor' && rng.chance(o.secondDeviceShare) ? rng.weighted(secondDevices).profile : undefined;
    const rssi = role === 'visitor' ? rng.uniform(-75, -50) : rng.uniform(-90, -84);
    if (leaveUs <= fromUs) return [];
    const devices: SimDevice[] = [];
    if (hasPhone) devices.push(this.device(role, phone, arriveUs, leaveUs, fromUs, rssi, deviceRng(0)));
    if (second) devices.push(this.device(role, second, arriveUs, leaveUs, fromUs, rssi + rng.normal(0, 3), deviceRng(1)));
    return devices;
  }

  /** The store closes when its curve reaches zero: a visitor still inside then leaves. */
  private closingBefore(leaveUs: number, arriveUs: number): number {
    const { curve, utcOffsetMinutes } = this.options;
    for (let t = arriveUs + CLOSING_STEP_US; t < leaveUs; t += CLOSING_STEP_US) {
      if (curveAt(curve, t / 1000, utcOffsetMinutes) <= 0) return t;
    }
    return leaveUs;
  }

  /** The phones and second devices this person's are drawn from. */
  private models(rng: Random): Models {
    const share = this.options.stableShare;
    if (share === undefined) return ALL_MODELS;
    return rng.chance(share) ? this.stable : this.rotating;
  }

  private device(role: Role, profile: DeviceProfile, arriveUs: number, leaveUs: number, fromUs: number, mean: number, rng: Random): SimDevice {
    const id = this.nextId++;
    const range = role === 'passerby' ? { mean, min: mean, max: mean } : { mean, min: mean - 8, max: Math.min(-40, mean + 8) };
    return new SimDevice({
      id,
      role,
      profile,
      arriveUs,
      leaveUs,
      fromUs,
      rssi: range,
      rng,
    });
  }
}

/**
 * The venue's probe requests in time order. `onWindow` receives the ground truth of each UTC
 * window as the stream passes its end, and of the last one when the stream ends.
 */
export function* venueEmissions(options: VenueOptions, onWindow: (truth: WindowTruth) => void = () => {}): Generator<Emission, void, undefined> {
  const o = resolveVenueOptions(options);
  const startUs = o.startMs * 1000;
  let endUs = startUs + Math.round(o.hours * HOUR_US);
  const population = new Population(o, startUs, endUs);
  const queue = new EventQueue<SimDevice>();
  const truth = new TruthRecorder(o.windowMinutes * 60_000_000, onWindow);

  for (const device of population.staff()) queue.push(device);
  // Warm start: the people who came before the start and are still there.
  const warm = [
    { role: 'visitor' as const, stream: STREAM.WARM_VISITORS, perHour: o.arrivalsPerHour, curve: o.curve, lookbackUs: MAX_STAY_US },
    { role: 'passerby' as const, stream: STREAM.WARM_PASSERS, perHour: o.passersPerHour, curve: o.streetCurve, lookbackUs: MAX_PASS_US },
  ];
  for (const { role, stream, perHour, curve, lookbackUs } of warm) {
    const earlier = new ArrivalStream(new Random(o.seed, stream), perHour, curve, o.utcOffsetMinutes, startUs - lookbackUs, startUs);
    while (earlier.nextUs < startUs) for (const device of population.arrive(role, stream, earlier.take(), startUs)) queue.push(device);
  }
  truth.begin(startUs, queue.items);

  const visitors = new ArrivalStream(new Random(o.seed, STREAM.VISITORS), o.arrivalsPerHour, o.curve, o.utcOffsetMinutes, startUs, endUs);
  const passers = new ArrivalStream(new Random(o.seed, STREAM.PASSERS), o.passersPerHour, o.streetCurve, o.utcOffsetMinutes, startUs, endUs);
  let frames = 0;
  for (;;) {
    const top = queue.peek();
    const deviceUs = top === undefined ? Infinity : top.eventUs;
    const arrivalUs = Math.min(visitors.nextUs, passers.nextUs);
    const nowUs = Math.min(deviceUs, arrivalUs);
    if (nowUs >= endUs) break;
    truth.advanceTo(nowUs, queue.items);
    if (arrivalUs <= deviceUs) {
      const role = visitors.nextUs <= passers.nextUs ? 'visitor' : 'passerby';
      const at = (role === 'visitor' ? visitors : passers).take();
      for (const device of population.arrive(role, role === 'visitor' ? STREAM.VISITORS : STREAM.PASSERS, at, at)) {
        truth.arrive(device, at);
        queue.push(device);
      }
      continue;
    }
    const device = top!;
    if (device.nextUs >= device.leaveUs) {
      queue.pop();
      continue;
    }
    const emission = device.emit();
    device.advance();
    queue.updateTop();
    if (emission.rssi < o.sensitivityDbm) continue;
    truth.frame(device, emission.address);
    frames++;
    yield emission;
    if (frames === o.maxFrames) {
      endUs = nowUs + 1;
      break;
    }
  }
  truth.finish(endUs, queue.items);
}
