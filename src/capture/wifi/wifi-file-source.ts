/**
 * Wi-Fi probe requests from capture files, read through libpcap: the source behind `replay`.
 *
 * libpcap filters the file with BPF, so only probe requests reach JavaScript, a batch of them
 * at a time. The batch buffer is reused: anything kept must be copied.
 */
import type { Logger } from '../../log/logger.js';
import { CaptureFileError, EX_DATAERR, printablePath, sniffWifiCaptureFile, type CaptureFileInfo } from '../capture-file.js';
import { PcapBatchReader, SNAP_LENGTH, type PacketBatch } from '../pcap-batch-reader.js';
import type { SightingSink } from '../sighting.js';
import type { CaptureSource, SourceStats } from '../source.js';
import { PROBE_REQUEST_FILTER, WifiFrameDelivery, type WifiVerdictCounts } from './frame-delivery.js';

/** Frames delivered back to back before a paced replay lets other work run. */
const PACED_BURST = 1024;
/** setTimeout fires at once for longer delays; a longer wait is taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface WifiFileSourceOptions {
  /** Capture files, read in this order as one stream. */
  paths: readonly string[];
  /** Drop frames whose FCS is wrong (config `capture.wifi.check_fcs`). */
  checkFcs: boolean;
  /** Frames to pass over first (a checkpoint's `stats().frames`), so a replay continues. */
  skipFrames?: number;
  /** Deliver frames at capture pace divided by this (2 = twice as fast); unset = at once. */
  speed?: number;
  logger: Logger;
}

/** What became of the frames read so far; the parts add up to `stats().frames`. */
export interface WifiFrameCounts extends WifiVerdictCounts {
  skipped: number;
}

const SLAB_BYTES = 1 << 20;

/**
 * Frames of one file copied out of libpcap's buffer, for paced delivery. The bytes go into
 * 1 MiB slabs rather than a Buffer per frame, which would double the memory a large file takes.
 */
class CopiedFrames {
  private readonly slabs: Buffer[] = [];
  private readonly slabIndex: number[] = [];
  readonly offset: number[] = [];
  readonly length: number[] = [];
  readonly originalLength: number[] = [];
  readonly timeMs: number[] = [];
  private used = SLAB_BYTES;

  get count(): number {
    return this.timeMs.length;
  }

  /** Copies `buf[start, start + length)`. */
  add(buf: Buffer, start: number, length: number, originalLength: number, timeMs: number): void {
    if (this.used + length > SLAB_BYTES) {
      this.slabs.push(Buffer.allocUnsafe(Math.max(SLAB_BYTES, length)));
      this.used = 0;
    }
    buf.copy(this.slabs.at(-1)!, this.used, start, start + length);
    this.slabIndex.push(this.slabs.length - 1);
    this.offset.push(this.used);
    this.length.push(length);
    this.originalLength.push(originalLength);
    this.timeMs.push(timeMs);
    this.used += length;
  }

  /** The slab that holds frame `index`, at `offset[index]`. */
  slabOf(index: number): Buffer {
    return this.slabs[this.slabIndex[index]!]!;
  }
}

/** libpcap's message on one line. */
function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ');
}

/** Opens a file through libpcap with the probe-request filter; libpcap's errors become one line. */
function openOffline(path: string): PcapBatchReader {
  try {
    return new PcapBatchReader(path, PROBE_REQUEST_FILTER, SNAP_LENGTH);
  } catch (error) {
    throw new CaptureFileError(`${printablePath(path)}: ${oneLine(error)}`, EX_DATAERR);
  }
}

export class WifiFileSource implements CaptureSource {
  readonly kind = 'wifi' as const;
  readonly description: string;

  private readonly paths: readonly string[];
  private readonly delivery: WifiFrameDelivery;
  private readonly speed: number | undefined;
  private readonly logger: Logger;
  private framesRead = 0;
  private framesSkipped = 0;
  private skipRemaining: number;
  private started = false;
  private stopped = false;
  /** Ends the paced wait in progress, if any. */
  private interrupt: (() => void) | undefined;
  /** What the sink threw during a paced replay; it ends the run. */
  private failure: { error: unknown } | undefined;
  /** Capture time and wall time of the first paced frame: the pace is kept across files. */
  private paceOrigin: { captureMs: number; wallMs: number } | undefined;

  constructor(options: WifiFileSourceOptions) {
    if (options.paths.length === 0) throw new RangeError('WifiFileSource needs at least one capture file');
    const skipFrames = options.skipFrames ?? 0;
    if (!Number.isSafeInteger(skipFrames) || skipFrames < 0) {
      throw new RangeError(`skipFrames must be a whole number of frames, not ${skipFrames}`);
    }
    if (options.speed !== undefined && !(Number.isFinite(options.speed) && options.speed > 0)) {
      throw new RangeError(`speed must be a positive number, not ${options.speed}`);
    }
    this.paths = [...options.paths];
    this.delivery = new WifiFrameDelivery({ checkFcs: options.checkFcs });
    this.skipRemaining = skipFrames;
    this.speed = options.speed;
    this.logger = options.logger;
    const first = printablePath(this.paths[0]!);
    const last = printablePath(this.paths.at(-1)!);
    this.description = this.paths.length === 1 ? `Wi-Fi capture file ${first}` : `${this.paths.length} Wi-Fi capture files (${first} ... ${last})`;
  }

  stats(): SourceStats {
    return { frames: this.framesRead, dropped: 0 };
  }

  frameCounts(): WifiFrameCounts {
    return { ...this.delivery.counts, skipped: this.framesSkipped };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.interrupt?.();
  }

  /**
   * Checks every file first (a CaptureFileError names the first bad one before any frame is
   * delivered), then reads them in order. Rejects with what the sink threw, if it throws.
   */
  async run(sink: SightingSink): Promise<void> {
    if (this.started) throw new Error('a WifiFileSource runs once');
    this.started = true;
    const files = this.paths.map((path) => ({ path, info: sniffWifiCaptureFile(path) }));

    for (const { path, info } of files) {
      if (this.stopped) break;
      this.logger.info('reading capture file', { path, format: info.format, link_type: info.linkType });
      const before = { ...this.frameCounts(), frames: this.framesRead };
      // Let timers and sockets run between files.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.stopped) break;
      if (this.speed === undefined) this.readAtOnce(path, info, sink);
      else await this.deliverPaced(info, this.copyFrames(path), sink, this.speed);
      if (this.failure) throw this.failure.error;
      this.logFileDone(path, before);
    }
  }

  private logFileDone(path: string, before: WifiFrameCounts & { frames: number }): void {
    const counts = this.frameCounts();
    const accepted = counts.accepted - before.accepted;
    const badFcs = counts.badFcs - before.badFcs;
    this.logger.info('capture file read', {
      path,
      frames: this.framesRead - before.frames,
      accepted,
      ignored: counts.ignored - before.ignored,
      malformed: counts.malformed - before.malformed,
      bad_fcs: badFcs,
      skipped: counts.skipped - before.skipped,
      stopped: this.stopped || undefined,
    });
    if (badFcs > 0 && accepted === 0) {
      this.logger.warn('every probe request in the file failed its FCS check; if the file was edited or anonymised without recomputing the FCS, set capture.wifi.check_fcs to false', { path });
    }
  }

  /** Counts a frame read from the input; false when it is one of the frames to pass over. */
  private takeFrame(): boolean {
    this.framesRead++;
    if (this.skipRemaining === 0) return true;
    this.skipRemaining--;
    this.framesSkipped++;
    return false;
  }

  /**
   * The next batch of the file's packets; null at the end of the file, or where it breaks off
   * (a file copied while it was being written), which is logged.
   */
  private readBatch(reader: PcapBatchReader, path: string): PacketBatch | null {
    try {
      return reader.read();
    } catch (error) {
      this.logger.warn('the capture file breaks off; the frames before the break were read', { path, error: oneLine(error) });
      return null;
    }
  }

  /** Reads the file in one synchronous pass; a sink that calls stop() ends it after the frame. */
  private readAtOnce(path: string, info: CaptureFileInfo, sink: SightingSink): void {
    const { delivery } = this;
    const reader = openOffline(path);
    try {
      let batch: PacketBatch | null;
      while (!this.stopped && (batch = this.readBatch(reader, path)) !== null) {
        while (!this.stopped && batch.next()) {
          if (this.takeFrame()) delivery.deliver(info.linkType, batch.bytes, batch.start, batch.capturedLength, batch.originalLength, batch.timeMs, sink);
        }
      }
    } finally {
      reader.close();
    }
  }

  /** Reads the whole file, keeping copies of the frames that are not passed over. */
  private copyFrames(path: string): CopiedFrames {
    const frames = new CopiedFrames();
    const reader = openOffline(path);
    try {
      let batch: PacketBatch | null;
      while ((batch = this.readBatch(reader, path)) !== null) {
        while (batch.next()) {
          if (this.skipRemaining > 0) this.takeFrame();
          else frames.add(batch.bytes, batch.start, batch.capturedLength, batch.originalLength, batch.timeMs);
        }
      }
    } finally {
      reader.close();
    }
    return frames;
  }

  /** Delivers each frame when its capture time, scaled by `speed`, comes due on the wall clock. */
  private deliverPaced(info: CaptureFileInfo, frames: CopiedFrames, sink: SightingSink, speed: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let next = 0;
      let cancelWait: (() => void) | undefined;
      const finish = () => {
        cancelWait?.();
        this.interrupt = undefined;
        resolve();
      };
      const step = () => {
        cancelWait = undefined;
        try {
          for (let burst = 0; next < frames.count && !this.stopped; burst++) {
            const timeMs = frames.timeMs[next]!;
            this.paceOrigin ??= { captureMs: timeMs, wallMs: performance.now() };
            const wait = this.paceOrigin.wallMs + (timeMs - this.paceOrigin.captureMs) / speed - performance.now();
            if (wait > 0) {
              const timer = setTimeout(step, Math.min(wait, MAX_TIMER_MS));
              cancelWait = () => clearTimeout(timer);
              return;
            }
            if (burst === PACED_BURST) {
              const immediate = setImmediate(step);
              cancelWait = () => clearImmediate(immediate);
              return;
            }
            this.takeFrame();
            this.delivery.deliver(info.linkType, frames.slabOf(next), frames.offset[next]!, frames.length[next]!, frames.originalLength[next]!, timeMs, sink);
            next++;
          }
        } catch (error) {
          this.failure = { error };
        }
        finish();
      };
      this.interrupt = finish;
      step();
    });
  }
}
