/** Test support: what a Sighting says about the frame heard, for comparing sightings parsed from different buffers. */
import type { Sighting } from './sighting.js';

export type HeardFields = Omit<Sighting, 'payloadStart' | 'payloadEnd' | 'marked'>;

/** A copy without where the payload lay in the parser's buffer and without the calibration mark. */
export function heardFields(sighting: Sighting): HeardFields {
  const { payloadStart: _start, payloadEnd: _end, marked: _marked, ...heard } = sighting;
  return heard;
}
