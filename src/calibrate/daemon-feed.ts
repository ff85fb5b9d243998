/**
 * A guided calibration while the daemon runs: the daemon owns the monitor interface and the
 * Bluetooth scan, so it is asked to mark the phone, through the request and samples files of
 * core/calibration-exchange.ts in its runtime directory, and its samples are read as it appends
 * them. Needs what `footfall status` needs: root, or the daemon's own user.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { PhoneMarkerSpec } from '../capture/phone-marker.js';
import type { SourceKind } from '../capture/source.js';
import { EXIT, OperatorError } from '../cli/errors.js';
import {
  CALIBRATION_POLL_MS,
  CALIBRATION_REQUEST_FILE,
  CALIBRATION_REQUEST_TTL_MS,
  CALIBRATION_SAMPLES_FILE,
  type CalibrationAnswer,
  type CalibrationRequest,
  type CalibrationSampleLine,
} from '../core/calibration-exchange.js';
import type { MarkedSampleListener } from '../privacy/marked-phone-tap.js';
import type { SampleFeed } from './sample-feed.js';

/** The request is rewritten this often, well inside its time to live. */
const REFRESH_MS = CALIBRATION_REQUEST_TTL_MS / 4;
/** How often new samples are read. */
const READ_MS = 200;
/** The daemon looks for requests every CALIBRATION_POLL_MS; a few of those without an answer means it does not. */
const ANSWER_TIMEOUT_MS = 10 * CALIBRATION_POLL_MS;

export class DaemonSampleFeed implements SampleFeed {
  readonly description: string;
  private readonly requestFile: string;
  private readonly samplesFile: string;
  private readonly id = crypto.randomBytes(8).toString('hex');
  private refreshTimer: NodeJS.Timeout | undefined;
  private readTimer: NodeJS.Timeout | undefined;
  private offset = 0;
  private partial = '';

  constructor(
    private readonly runtimeDir: string,
    private readonly pid: number,
    private readonly marker: PhoneMarkerSpec,
  ) {
    this.description = `the running daemon (pid ${pid})`;
    this.requestFile = path.join(runtimeDir, CALIBRATION_REQUEST_FILE);
    this.samplesFile = path.join(runtimeDir, CALIBRATION_SAMPLES_FILE);
  }

  async start(listener: MarkedSampleListener, onFailure: (error: unknown) => void): Promise<SourceKind[]> {
    this.writeRequest();
    this.refreshTimer = setInterval(() => {
      try {
        this.writeRequest();
      } catch (error) {
        onFailure(error);
      }
    }, REFRESH_MS);
    try {
      const answer = await this.awaitAnswer();
      if (answer.error !== undefined) throw new OperatorError(answer.error, EXIT.usage);
      if (answer.sources.length === 0) {
        throw new OperatorError(
          `the daemon (pid ${this.pid}) has no radio that can hear the phone marked so: check capture.wifi.enabled and capture.ble.enabled, and footfall status`,
          EXIT.unavailable,
        );
      }
      this.readTimer = setInterval(() => this.readSamples(listener), READ_MS);
      return answer.sources;
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.refreshTimer);
    clearInterval(this.readTimer);
    // The daemon sees the request gone, stops marking and deletes the samples.
    fs.rmSync(this.requestFile, { force: true });
  }

  private writeRequest(): void {
    const request: CalibrationRequest = {
      schema: 'footfall.calibration-request/1',
      id: this.id,
      ...(this.marker.ssid === undefined ? {} : { ssid: this.marker.ssid }),
      ...(this.marker.bleName === undefined ? {} : { ble_name: this.marker.bleName }),
      ...(this.marker.bleUuid === undefined ? {} : { ble_uuid: this.marker.bleUuid }),
      expires_at: new Date(Date.now() + CALIBRATION_REQUEST_TTL_MS).toISOString(),
    };
    const temp = `${this.requestFile}.new`;
    try {
      fs.writeFileSync(temp, `${JSON.stringify(request)}\n`, { mode: 0o600 });
      // Run as root, calibrate writes into a directory the daemon's user owns: the daemon must read it.
      const owner = fs.statSync(this.runtimeDir);
      if (process.getuid?.() === 0 && owner.uid !== 0) fs.chownSync(temp, owner.uid, owner.gid);
      fs.renameSync(temp, this.requestFile);
    } catch (error) {
      fs.rmSync(temp, { force: true });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') {
        throw new OperatorError(`cannot ask the daemon to sample: ${this.runtimeDir} is not writable by this user; run as root (sudo footfall calibrate ...)`, EXIT.noPermission);
      }
      throw error;
    }
  }

  /** The samples file's first line, once the daemon has written it for this request. */
  private async awaitAnswer(): Promise<CalibrationAnswer> {
    const deadline = Date.now() + ANSWER_TIMEOUT_MS;
    for (;;) {
      const first = this.readFirstLine();
      if (first?.request === this.id) return first;
      if (Date.now() > deadline) {
        throw new OperatorError(
          `the daemon (pid ${this.pid}) did not take the calibration request: restart it so that it runs this version of footfall (systemctl restart footfall), or stop it and run calibrate again`,
          EXIT.unavailable,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, CALIBRATION_POLL_MS / 2));
    }
  }

  private readFirstLine(): CalibrationAnswer | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.samplesFile, 'utf8');
    } catch {
      return undefined;
    }
    const end = text.indexOf('\n');
    if (end < 0) return undefined;
    try {
      const answer = JSON.parse(text.slice(0, end)) as CalibrationAnswer;
      this.offset = Buffer.byteLength(text.slice(0, end + 1));
      return answer;
    } catch {
      return undefined;
    }
  }

  /** Reads what the daemon appended since the last read. */
  private readSamples(listener: MarkedSampleListener): void {
    let fd: number;
    try {
      fd = fs.openSync(this.samplesFile, 'r');
    } catch {
      return;
    }
    try {
      const chunk = Buffer.alloc(64 * 1024);
      for (;;) {
        const read = fs.readSync(fd, chunk, 0, chunk.length, this.offset);
        if (read === 0) break;
        this.offset += read;
        this.partial += chunk.toString('utf8', 0, read);
      }
    } finally {
      fs.closeSync(fd);
    }
    const lines = this.partial.split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) {
      const sample = JSON.parse(line) as CalibrationSampleLine;
      listener({ source: sample.source, timeMs: sample.t, rssi: sample.rssi });
    }
  }
}
