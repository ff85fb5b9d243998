/**
 * `footfall calibrate` while the daemon runs. The daemon owns the monitor interface and the
 * Bluetooth scan, so calibrate asks it, through two files in the runtime directory (the same
 * place `footfall status` reads, and no port to open or secure):
 *
 * - calibrate writes a request: what marks the phone, and until when it wants samples. It
 *   rewrites the request every few seconds; a request left behind by a calibrate that died
 *   expires on its own, so the daemon never samples for long without anyone reading.
 * - the daemon, on its timer, marks the phone in its sources and appends each marked frame's
 *   source, RSSI and time to the samples file, whose first line names the request it answers.
 *   When the request goes or expires, it stops and deletes the samples file.
 *
 * The files hold names the installer chose and signal strengths: never an address.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PhoneMarker, PhoneMarkerError, type PhoneMarkerSpec } from '../capture/phone-marker.js';
import type { SourceKind } from '../capture/source.js';
import type { Logger } from '../log/logger.js';
import type { MarkedSample, MarkedSampleListener } from '../privacy/marked-phone-tap.js';

export const CALIBRATION_REQUEST_FILE = 'calibration-request.json';
export const CALIBRATION_SAMPLES_FILE = 'calibration-samples.jsonl';
/** How long a request holds without being rewritten. */
export const CALIBRATION_REQUEST_TTL_MS = 20_000;
/** How often the daemon looks for a request. */
export const CALIBRATION_POLL_MS = 500;

export interface CalibrationRequest {
  schema: 'footfall.calibration-request/1';
  /** Tells one calibration from the next: the samples file names the one it answers. */
  id: string;
  ssid?: string;
  ble_name?: string;
  ble_uuid?: string;
  expires_at: string;
}

/** The samples file's first line: which request it answers and which sources look for the phone. */
export interface CalibrationAnswer {
  request: string;
  /** The sources marking the phone; empty when none can (e.g. a BLE name and no Bluetooth adapter). */
  sources: SourceKind[];
  /** Why the request could not be taken; absent when it was. */
  error?: string;
}

/** One line of the samples file after the answer. */
export interface CalibrationSampleLine {
  source: SourceKind;
  /** Capture time, milliseconds since the Unix epoch. */
  t: number;
  rssi: number;
}

export function markerSpecOf(request: CalibrationRequest): PhoneMarkerSpec {
  return { ssid: request.ssid, bleName: request.ble_name, bleUuid: request.ble_uuid };
}

/** The request in `runtimeDir`, if there is a readable, unexpired one. */
export function readCalibrationRequest(runtimeDir: string, nowMs: number): CalibrationRequest | undefined {
  let request: CalibrationRequest;
  try {
    request = JSON.parse(fs.readFileSync(path.join(runtimeDir, CALIBRATION_REQUEST_FILE), 'utf8')) as CalibrationRequest;
  } catch {
    // None, or caught half-written (calibrate renames it into place, but be safe): look again later.
    return undefined;
  }
  if (request?.schema !== 'footfall.calibration-request/1' || typeof request.id !== 'string') return undefined;
  const expires = Date.parse(request.expires_at);
  return Number.isFinite(expires) && expires > nowMs ? request : undefined;
}

/** What the daemon marks: its sensor's sources, through Sensor.markPhone. */
export interface PhoneMarking {
  markPhone(marker: PhoneMarker | null, listener: MarkedSampleListener | null): SourceKind[];
}

/** The daemon's side: answers requests on a timer until stop(). */
export class CalibrationResponder {
  private timer: NodeJS.Timeout | undefined;
  private active: { id: string; fd: number } | undefined;
  private readonly samplesFile: string;

  constructor(
    private readonly runtimeDir: string,
    private readonly sensor: PhoneMarking,
    private readonly logger: Logger,
  ) {
    this.samplesFile = path.join(runtimeDir, CALIBRATION_SAMPLES_FILE);
  }

  start(): void {
    this.poll();
    this.timer = setInterval(() => this.poll(), CALIBRATION_POLL_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.end();
  }

  /** Takes a new request, or ends the active one when its request is gone or expired. */
  poll(nowMs = Date.now()): void {
    const request = readCalibrationRequest(this.runtimeDir, nowMs);
    if (request?.id === this.active?.id) return;
    this.end();
    if (request !== undefined) this.begin(request);
  }

  private begin(request: CalibrationRequest): void {
    let marker: PhoneMarker | null = null;
    let error: string | undefined;
    try {
      marker = new PhoneMarker(markerSpecOf(request));
    } catch (caught) {
      if (!(caught instanceof PhoneMarkerError)) throw caught;
      error = caught.message;
    }
    let fd: number;
    try {
      // 0640, as the status file: the daemon's group (the operators) may read what it says.
      fd = fs.openSync(this.samplesFile, 'w', 0o640);
    } catch (caught) {
      this.logger.warn('cannot answer a calibration request', { file: this.samplesFile, error: (caught as Error).message });
      return;
    }
    this.active = { id: request.id, fd };
    const sources = marker === null ? [] : this.sensor.markPhone(marker, (sample) => this.write(sample));
    this.append({ request: request.id, sources, ...(error === undefined ? {} : { error }) } satisfies CalibrationAnswer);
    if (marker !== null) this.logger.info('calibration: sampling the marked phone (RSSI and time only)', { marked_by: marker.describe(), sources: sources.join(',') || 'none' });
  }

  private write(sample: MarkedSample): void {
    this.append({ source: sample.source, t: sample.timeMs, rssi: sample.rssi } satisfies CalibrationSampleLine);
  }

  private append(line: object): void {
    if (this.active === undefined) return;
    try {
      fs.writeSync(this.active.fd, `${JSON.stringify(line)}\n`);
    } catch (caught) {
      // A full runtime directory ends the calibration, never the counting.
      this.logger.warn('cannot write calibration samples; ending the calibration', { error: (caught as Error).message });
      this.end();
    }
  }

  private end(): void {
    const active = this.active;
    if (active === undefined) return;
    this.active = undefined;
    this.sensor.markPhone(null, null);
    fs.closeSync(active.fd);
    fs.rmSync(this.samplesFile, { force: true });
    this.logger.info('calibration ended');
  }
}
