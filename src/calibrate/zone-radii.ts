/**
 * What the installer gives `footfall calibrate` in metres: the zone radii (`--zones
 * inside=6,nearby=15`) that the path-loss fit turns into RSSI thresholds, and the distance of
 * each sampling spot (`--at 4=FILE`, or typed at the prompt).
 */
import { EXIT, OperatorError } from '../cli/errors.js';
import { NAME } from '../config/fields.js';

/** A zone as the installer sees it: everything within `radiusM` metres of the sensor. */
export interface ZoneRadius {
  name: string;
  radiusM: number;
}

const EXAMPLE = 'e.g. --zones inside=6,nearby=15';

function usage(message: string): OperatorError {
  return new OperatorError(message, EXIT.usage);
}

/** A number of metres as written, or NaN: `Number('')` is 0, which must not pass for a radius. */
function parseMetres(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text);
}

/**
 * `inside=6,nearby=15`: zones in the config's order, the first the premises and so the nearest,
 * each radius farther than the one before. Radii must be more than 1 m, where the fit is
 * anchored: a zone inside it would need the model where it was never measured (the near field).
 */
export function parseZoneRadii(text: string): ZoneRadius[] {
  if (text.trim() === '') throw usage(`--zones is empty: give each zone's radius in metres, nearest first, ${EXAMPLE}`);
  const zones: ZoneRadius[] = [];
  for (const pair of text.split(',')) {
    const [rawName, rawRadius, ...rest] = pair.split('=');
    const name = rawName?.trim() ?? '';
    if (rawRadius === undefined || rest.length > 0) {
      throw usage(`--zones: ${JSON.stringify(pair.trim())} is not name=metres; ${EXAMPLE}`);
    }
    if (!NAME.test(name)) {
      throw usage(
        `--zones: zone name ${JSON.stringify(name)} must be a letter, then up to 31 letters, digits, _ or -; ${EXAMPLE}`,
      );
    }
    const radiusM = parseMetres(rawRadius);
    if (!(Number.isFinite(radiusM) && radiusM > 0)) {
      throw usage(`--zones: ${name}=${rawRadius.trim()}: give the radius in metres, a positive number, e.g. ${name}=6`);
    }
    if (radiusM <= 1) {
      throw usage(
        `--zones: ${name}=${rawRadius.trim()} is a zone radius inside 1 m, where the fit is anchored; give more than 1 m, e.g. ${name}=3`,
      );
    }
    if (zones.some((zone) => zone.name === name)) {
      throw usage(`--zones: ${name} is given twice; name each zone once, ${EXAMPLE}`);
    }
    const previous = zones.at(-1);
    if (previous && radiusM <= previous.radiusM) {
      throw usage(
        `--zones: ${name}=${rawRadius.trim()} is not farther than ${previous.name}=${previous.radiusM}; ` +
          `list the zones nearest first, each radius larger, ${EXAMPLE}`,
      );
    }
    zones.push({ name, radiusM });
  }
  return zones;
}

/** The distance of a sampling spot from the sensor, in metres. */
export function parseDistance(text: string): number {
  const distanceM = parseMetres(text);
  if (!(Number.isFinite(distanceM) && distanceM > 0)) {
    throw usage(`distance ${JSON.stringify(text)}: give the distance in metres, a positive number, e.g. 4`);
  }
  return distanceM;
}
