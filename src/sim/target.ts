/**
 * Tunes a venue to produce a given number of frames and distinct addresses in its span (the
 * benchmark's 1,000,000 frames from 50,000 addresses in one hour).
 *
 * Two knobs reach two targets: how many people come (scales frames and addresses alike) and
 * which share of them carry devices that keep an address across scans (many frames per
 * address) rather than changing it at every scan or burst (1.6 to 80 frames, by model).
 * Expected frames and addresses are linear in the arrival rates of the two kinds of people, so
 * three short pilot runs (staff alone, all people of one kind, all of the other) give the
 * coefficients and a 2×2 solve gives the rates; runs of the result then correct for its crowd.
 */

import { curveIntegral } from './daily-curve.js';
import { resolveVenueOptions, venueEmissions, type VenueOptions } from './venue.js';

/**
 * The frame target is met exactly (the stream stops there) and the address target within 2.5%
 * unless four corrections do not get there (a crowd of a few dozen people, whose draw moves
 * more than any rate does); a crowd too small can reach the end of the span short of frames.
 */
export interface CaptureTarget {
  /** Frames in the capture: the stream stops at this many. */
  frames: number;
  /** Distinct addresses over the capture. */
  addresses: number;
}

/** People per pilot run: enough for the coefficients to be within about 2% (log-normal stays make per-person counts spread widely). */
const PILOT_PEOPLE = 4000;
/**
 * The rates aim to meet both targets this share of the span before its end, where the stream
 * stops at the frame target: run-to-run noise then does not leave the capture short of frames.
 * The pilots run the shortened span, as addresses do not grow in proportion to time (an
 * address kept for minutes counts once however long the capture).
 */
const SLACK = 0.07;
/** A run whose addresses are this close to the target is kept; otherwise up to this many corrections. */
const ADDRESS_TOLERANCE = 0.025;
const CORRECTIONS = 4;
/** The part of a miss the next round aims off by. */
const CORRECTION_GAIN = 0.6;

function measure(options: VenueOptions): { frames: number; addresses: number } {
  const addresses = new Set<number>();
  let frames = 0;
  for (const emission of venueEmissions(options)) {
    frames++;
    addresses.add(emission.address);
  }
  return { frames, addresses: addresses.size };
}

/** The venue options, with arrival rates, share and frame limit set to meet the target. */
export function venueForTarget(options: VenueOptions, target: CaptureTarget): VenueOptions {
  if (!(Number.isInteger(target.frames) && target.frames > 0 && target.addresses > 0)) {
    throw new RangeError('a target needs a positive whole number of frames and a positive number of addresses');
  }
  const base = resolveVenueOptions({ ...options, maxFrames: undefined });
  const hours = base.hours * (1 - SLACK);
  const endMs = base.startMs + hours * 3_600_000;
  const passersPerVisitor = base.arrivalsPerHour > 0 ? base.passersPerHour / base.arrivalsPerHour : 0;
  const peoplePerUnitRate =
    curveIntegral(base.curve, base.startMs, endMs, base.utcOffsetMinutes) +
    passersPerVisitor * curveIntegral(base.streetCurve, base.startMs, endMs, base.utcOffsetMinutes);
  if (!(peoplePerUnitRate > 0)) {
    throw new RangeError('a target needs visitors: the arrival rate or its daily curve is zero over the whole span');
  }

  const pilotRate = PILOT_PEOPLE / peoplePerUnitRate;
  const pilot = (arrivalsPerHour: number, stableShare?: number) =>
    measure({ ...base, hours, arrivalsPerHour, passersPerHour: passersPerVisitor * arrivalsPerHour, stableShare });
  const fixed = pilot(0);
  const rotating = pilot(pilotRate, 0);
  const stable = pilot(pilotRate, 1);
  // Frames and addresses per unit of arrival rate, for people of each kind.
  const f0 = (rotating.frames - fixed.frames) / pilotRate;
  const a0 = (rotating.addresses - fixed.addresses) / pilotRate;
  const f1 = (stable.frames - fixed.frames) / pilotRate;
  const a1 = (stable.addresses - fixed.addresses) / pilotRate;

  /** Rates and share for which the coefficients predict `aim`. */
  const solve = (aim: CaptureTarget): VenueOptions => {
    const frames = aim.frames - fixed.frames;
    const addresses = aim.addresses - fixed.addresses;
    const determinant = f0 * a1 - f1 * a0;
    const x = (frames * a1 - f1 * addresses) / determinant;
    const y = (f0 * addresses - a0 * frames) / determinant;
    if (!(x >= 0 && y >= 0 && x + y > 0)) {
      const low = (f0 / a0).toFixed(1);
      const high = (f1 / a1).toFixed(1);
      throw new RangeError(
        `${(target.frames / target.addresses).toFixed(1)} frames per address is outside what this venue produces ` +
          `(${low} to ${high}), or the staff devices alone exceed the target`,
      );
    }
    return {
      ...options,
      arrivalsPerHour: x + y,
      passersPerHour: passersPerVisitor * (x + y),
      stableShare: y / (x + y),
      maxFrames: target.frames,
    };
  };
  // The crowd's own draw can miss what the coefficients predict, as a few people's phones (the
  // long-scanning models, the iPhones changing address at every burst) send many times the
  // frames or addresses of the rest. The run is seeded, so aiming off by part of the miss
  // corrects it (all of it overshoots: a new share moves whole people between the two kinds);
  // each round costs one run, and the closest run is kept.
  let aim = target;
  let best = { venue: solve(aim), miss: Infinity };
  let venue = best.venue;
  for (let round = 0; round <= CORRECTIONS; round++) {
    const run = measure(venue);
    const missing = target.addresses - run.addresses;
    const short = target.frames - run.frames;
    if (short <= 0 && Math.abs(missing) < best.miss) best = { venue, miss: Math.abs(missing) };
    if (best.miss <= ADDRESS_TOLERANCE * target.addresses || round === CORRECTIONS) break;
    aim = { frames: aim.frames + Math.max(0, short), addresses: aim.addresses + CORRECTION_GAIN * missing };
    venue = solve(aim);
  }
  return best.venue;
}
