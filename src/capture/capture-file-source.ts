/**
 * Capture files read as one stream of frames: what every file source behind `replay` shares.
 * The files are read in order, the first `skipFrames` frames are passed over (a replay that was
 * stopped continues there), frames are delivered at once or paced at capture speed times
 * `speed`, a bad file is a one-line CaptureFileError, and what became of each file's frames is
 * logged. What differs by kind of capture (which files it reads, how a file is opened, what a
 * frame becomes) is its CaptureFileKind.
 *
 * Files are read a batch of packets at a time (pcap and pcapng by libpcap in footfall's native
 * reader, btsnoop logs by their own reader), and frames are parsed where they lie in the batch:
 * anything kept must be copied, for the batch is filled again.
 */
import { oneLine, type Logger, type LogFields } from '../log/logger.js';
import { CaptureFileError, EX_DATAERR, printablePath, type CaptureFileInfo } from './capture-file.js';
import { SNAP_LENGTH, type PacketBatch, type PacketReader } from './packet-reader.js';
import { PcapBatchReader } from './pcap-batch-reader.js';
import type { PhoneMarker } from './phone-marker.js';
import type { SightingSink } from './sighting.js';
import type { CaptureSource, SourceKind, SourceStats } from './source.js';

/** Frames delivered back to back before a paced replay lets other work run. */
const PACED_BURST = 1024;
/** setTimeout fires at once for longer delays; a longer wait is taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** From a captured frame to the sink, for one kind of capture. */
export interface FrameDelivery<Counts extends Record<keyof Counts, number>> {
  /** What became of the frames delivered so far, by verdict. */
  readonly counts: Counts;
  /** The installer's phone to mark while a calibration runs; null otherwise. */
  marker: PhoneMarker | null;
  /** Parses `buf[start, start + length)`, a frame of `linkType`, and tells the sink what it was. */
  deliver(linkType: number, buf: Buffer, start: number, length: number, originalLength: number, timeMs: number, sink: SightingSink): void;
}

/** What a kind of capture file source does its own way. */
export interface CaptureFileKind<Counts extends Record<keyof Counts, number>> {
  readonly kind: SourceKind;
  /** The kind's name in descriptions: "Wi-Fi", "BLE". */
  readonly label: string;
  /** Checks a file before any frame is read; throws a CaptureFileError that says what it is otherwise. */
  sniff(path: string): CaptureFileInfo;
  /** Opens a sniffed file for reading; throws a CaptureFileError when it cannot be read. */
  open(path: string, info: CaptureFileInfo, logger: Logger): PacketReader;
  readonly delivery: FrameDelivery<Counts>;
  /** Says more about a file once it was read, from what became of its frames. */
  afterFile?(path: string, counts: Counts, logger: Logger): void;
}

export interface CaptureFileSourceOptions {
  /** Capture files, read in this order as one stream. */
  paths: readonly string[];
  /** Frames to pass over first (a checkpoint's `stats().frames`), so a replay continues. */
  skipFrames?: number;
  /** Deliver frames at capture pace divided by this (2 = twice as fast); unset = at once. */
  speed?: number;
  logger: Logger;
}

const SLAB_BYTES = 1 << 20;

/**
 * Frames of one file copied out of the reader's batches, for paced delivery. The bytes go into
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

  /** Copies the batch's current packet. */
  add(batch: PacketBatch): void {
    const length = batch.capturedLength;
    if (this.used + length > SLAB_BYTES) {
      this.slabs.push(Buffer.allocUnsafe(Math.max(SLAB_BYTES, length)));
      this.used = 0;
    }
    batch.bytes.copy(this.slabs.at(-1)!, this.used, batch.start, batch.start + length);
    this.slabIndex.push(this.slabs.length - 1);
    this.offset.push(this.used);
    this.length.push(length);
    this.originalLength.push(batch.originalLength);
    this.timeMs.push(batch.timeMs);
    this.used += length;
  }

  /** The slab that holds frame `index`, at `offset[index]`. */
  slabOf(index: number): Buffer {
    return this.slabs[this.slabIndex[index]!]!;
  }
}

/** Opens a pcap or pcapng file through libpcap with a BPF `filter` ('' for none); libpcap's errors become one line. */
export function openWithLibpcap(path: string, filter: string): PcapBatchReader {
  try {
    return new PcapBatchReader(path, filter, SNAP_LENGTH);
  } catch (error) {
    throw new CaptureFileError(`${printablePath(path)}: ${oneLine(error)}`, EX_DATAERR);
  }
}

/** camelCase count names as the snake_case of log fields. */
function logFieldName(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

export class CaptureFileSource<Counts extends Record<keyof Counts, number>> implements CaptureSource {
  readonly kind: SourceKind;
  readonly description: string;

  private readonly paths: readonly string[];
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

  constructor(
    private readonly fileKind: CaptureFileKind<Counts>,
    options: CaptureFileSourceOptions,
  ) {
    if (options.paths.length === 0) throw new RangeError(`${new.target.name} needs at least one capture file`);
    const skipFrames = options.skipFrames ?? 0;
    if (!Number.isSafeInteger(skipFrames) || skipFrames < 0) {
      throw new RangeError(`skipFrames must be a whole number of frames, not ${skipFrames}`);
    }
    if (options.speed !== undefined && !(Number.isFinite(options.speed) && options.speed > 0)) {
      throw new RangeError(`speed must be a positive number, not ${options.speed}`);
    }
    this.kind = fileKind.kind;
    this.paths = [...options.paths];
    this.skipRemaining = skipFrames;
    this.speed = options.speed;
    this.logger = options.logger;
    const first = printablePath(this.paths[0]!);
    const last = printablePath(this.paths.at(-1)!);
    const label = fileKind.label;
    this.description = this.paths.length === 1 ? `${label} capture file ${first}` : `${this.paths.length} ${label} capture files (${first} ... ${last})`;
  }

  stats(): SourceStats {
    return { frames: this.framesRead, dropped: 0 };
  }

  /** What became of the frames read so far; the parts add up to `stats().frames`. */
  frameCounts(): Counts & { skipped: number } {
    return { ...this.fileKind.delivery.counts, skipped: this.framesSkipped };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.interrupt?.();
  }

  mark(marker: PhoneMarker | null): void {
    this.fileKind.delivery.marker = marker;
  }

  /**
   * Checks every file first (a CaptureFileError names the first bad one before any frame is
   * delivered), then reads them in order. Rejects with what the sink threw, if it throws.
   */
  async run(sink: SightingSink): Promise<void> {
    if (this.started) throw new Error(`a ${this.constructor.name} runs once`);
    this.started = true;
    const files = this.paths.map((path) => ({ path, info: this.fileKind.sniff(path) }));

    for (const { path, info } of files) {
      if (this.stopped) break;
      this.logger.info('reading capture file', { path, format: info.format, link_type: info.linkType });
      const before = { ...this.frameCounts(), frames: this.framesRead };
      // Let timers and sockets run between files.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.stopped) break;
      if (this.speed === undefined) this.readAtOnce(path, info, sink);
      else await this.deliverPaced(info, this.copyFrames(path, info), sink, this.speed);
      if (this.failure) throw this.failure.error;
      this.logFileDone(path, before);
    }
  }

  private logFileDone(path: string, before: Counts & { skipped: number; frames: number }): void {
    const counts: Record<string, number> = this.fileKind.delivery.counts;
    const earlier: Record<string, number> = before;
    const fileCounts = Object.fromEntries(Object.entries(counts).map(([name, value]) => [name, value - earlier[name]!])) as Counts;
    const fields: LogFields = { path, frames: this.framesRead - before.frames };
    for (const [name, value] of Object.entries<number>(fileCounts)) fields[logFieldName(name)] = value;
    fields.skipped = this.framesSkipped - before.skipped;
    fields.stopped = this.stopped || undefined;
    this.logger.info('capture file read', fields);
    this.fileKind.afterFile?.(path, fileCounts, this.logger);
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
  private readBatch(reader: PacketReader, path: string): PacketBatch | null {
    try {
      return reader.read();
    } catch (error) {
      this.logger.warn('the capture file breaks off; the frames before the break were read', { path, error: oneLine(error) });
      return null;
    }
  }

  /** Reads the file in one synchronous pass; a sink that calls stop() ends it after the frame. */
  private readAtOnce(path: string, info: CaptureFileInfo, sink: SightingSink): void {
    const reader = this.fileKind.open(path, info, this.logger);
    const { delivery } = this.fileKind;
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
  private copyFrames(path: string, info: CaptureFileInfo): CopiedFrames {
    const frames = new CopiedFrames();
    const reader = this.fileKind.open(path, info, this.logger);
    try {
      let batch: PacketBatch | null;
      while ((batch = this.readBatch(reader, path)) !== null) {
        while (batch.next()) {
          if (this.skipRemaining > 0) this.takeFrame();
          else frames.add(batch);
        }
      }
    } finally {
      reader.close();
    }
    return frames;
  }

  /** Delivers each frame when its capture time, scaled by `speed`, comes due on the wall clock. */
  private deliverPaced(info: CaptureFileInfo, frames: CopiedFrames, sink: SightingSink, speed: number): Promise<void> {
    const { delivery } = this.fileKind;
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
            delivery.deliver(info.linkType, frames.slabOf(next), frames.offset[next]!, frames.length[next]!, frames.originalLength[next]!, timeMs, sink);
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
