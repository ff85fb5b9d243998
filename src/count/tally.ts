/**
 * The open window's state: per source the frames, the malformed frames, and one entry per
 * token (first and last time, best RSSI, signature, 5-minute slots present). Entries changed
 * since the last checkpoint are remembered, so a checkpoint writes only those.
 */
import type { SourceKind } from '../capture/source.js';
import type { AddressKind, Observation } from '../privacy/observation.js';
import { slotCount, slotIndex, type WindowSpan } from './windows.js';

/** Frames of one address further apart than this start a new burst (a phone's scan lasts well under a second). */
export const BURST_GAP_MS = 1_000;

/**
 * A channel as one bit of `TokenEntry.channels`: Wi-Fi 2.4 GHz channels 1–14 as bits 1–14, any
 * 5 or 6 GHz channel as bit 15; BLE advertising channels 37–39 as bits 16–18; unknown: none.
 */
export function channelBit(source: SourceKind, channel: number): number {
  if (source === 'ble') return channel >= 37 && channel <= 39 ? 1 << (channel - 21) : 0;
  if (channel >= 2412 && channel <= 2484) return 1 << (channel === 2484 ? 14 : (channel - 2407) / 5);
  return channel > 2484 ? 1 << 15 : 0;
}

/**
 * What the open window knows of one token: the device estimators' input. Everything here is
 * bounded by the window: checkpointed with it, and deleted with its key.
 */
export class TokenEntry {
  /** Changed since the last checkpoint. */
  dirty = false;
  /**
   * The order in which the window first saw its token (0, 1, ...). Checkpoints store entries by
   * it, so that the entries a checkpoint rewrites, mostly the newest, are stored together.
   */
  ordinal = 0;
  /** Frames counted. */
  frames = 0;
  /** 802.11 sequence numbers of the first and the last frame; -1 when unknown (BLE). */
  firstSequence = -1;
  lastSequence = -1;
  /** Runs of frames less than BURST_GAP_MS apart. */
  bursts = 0;
  /** Sum and number of the RSSI values known, for the mean. */
  rssiSum = 0;
  rssiCount = 0;
  /** The channels heard on, one bit each (see channelBit). */
  channels = 0;

  constructor(
    readonly source: SourceKind,
    readonly token: string,
    public addressKind: AddressKind,
    public group: boolean,
    public firstMs: number,
    public lastMs: number,
    /** Best RSSI in dBm; -Infinity when none was known. */
    public maxRssi: number,
    public signature: string | null,
    /** One bit per occupancy slot of the window in which the token was seen. */
    readonly slots: Uint8Array,
  ) {}

  inSlot(slot: number): boolean {
    return (this.slots[slot >> 3]! & (1 << (slot & 7))) !== 0;
  }

  /** Mean RSSI in dBm; -Infinity when none was known. */
  meanRssi(): number {
    return this.rssiCount === 0 ? Number.NEGATIVE_INFINITY : this.rssiSum / this.rssiCount;
  }
}

/** Bytes of slot bitmaps allocated at a time. */
const SLOT_CHUNK_BYTES = 64 * 1024;

/**
 * The slot bitmaps of a window's new entries, cut from shared chunks. A typed array of its own
 * per entry takes twice the memory (its own buffer), and a window holds tens of thousands.
 */
class SlotBitmaps {
  private chunk = new ArrayBuffer(0);
  private used = 0;

  constructor(private readonly bytes: number) {}

  /** A zeroed bitmap. */
  take(): Uint8Array {
    if (this.used + this.bytes > this.chunk.byteLength) {
      this.chunk = new ArrayBuffer(Math.max(SLOT_CHUNK_BYTES, this.bytes));
      this.used = 0;
    }
    const bitmap = new Uint8Array(this.chunk, this.used, this.bytes);
    this.used += this.bytes;
    return bitmap;
  }
}

export class SourceTally {
  frames = 0;
  malformed = 0;
  /** The source could hear frames at some time in the window, so its counts mean something even when zero. */
  listened = false;
  readonly entries = new Map<string, TokenEntry>();
}

/** What a checkpoint saves besides the entries. */
export interface TallyCounters {
  frames: Partial<Record<SourceKind, number>>;
  malformed: Partial<Record<SourceKind, number>>;
  /** The sources that listened in the window (absent in checkpoints of older versions: all did). */
  listened?: SourceKind[];
  dropped: number;
  restarts: number;
  /** Capture time accumulated in this window up to `lastTimeMs`. */
  capturedMs: number;
  lastTimeMs: number;
  /** When the entries started afresh (a key that did not match the checkpoint); absent when they did not. */
  countedFromMs?: number;
}

export class WindowTally {
  readonly sources: Map<SourceKind, SourceTally>;
  readonly slots: number;
  dropped = 0;
  restarts = 0;
  /** When the entries started afresh, because the key they were made with was lost; null when they did not. */
  countedFromMs: number | null = null;
  /** Capture time accumulated before `runningSinceMs` (earlier runs of the daemon in this window). */
  private capturedBeforeMs = 0;
  private runningSinceMs: number | null = null;
  lastTimeMs: number;
  private dirty: TokenEntry[] = [];
  private nextOrdinal = 0;
  /** Entries by the tokenizer's token id, to skip hashing the token on most frames. */
  private readonly byTokenId: TokenEntry[] = [];
  private readonly slotBitmaps: SlotBitmaps;

  constructor(
    readonly span: WindowSpan,
    sourceKinds: readonly SourceKind[],
  ) {
    this.sources = new Map(sourceKinds.map((kind) => [kind, new SourceTally()]));
    this.slots = slotCount(span);
    this.slotBitmaps = new SlotBitmaps((this.slots + 7) >> 3);
    this.lastTimeMs = span.startMs;
  }

  /** Capture is running from `timeMs` on (the window opened, or the daemon started in it). */
  resumeCapture(timeMs: number): void {
    this.runningSinceMs = Math.max(this.span.startMs, Math.min(timeMs, this.span.endMs));
    this.lastTimeMs = Math.max(this.lastTimeMs, this.runningSinceMs);
  }

  advance(timeMs: number): void {
    if (timeMs > this.lastTimeMs) this.lastTimeMs = Math.min(timeMs, this.span.endMs);
  }

  /** Capture time in this window up to `untilMs` (or the last time seen). */
  capturedMs(untilMs = this.lastTimeMs): number {
    const running = this.runningSinceMs === null ? 0 : Math.max(0, Math.min(untilMs, this.span.endMs) - this.runningSinceMs);
    return this.capturedBeforeMs + running;
  }

  add(o: Observation): void {
    const source = this.sources.get(o.source);
    if (source === undefined) return;
    source.frames++;
    const slot = slotIndex(this.span, o.timeMs);
    const rssi = Number.isNaN(o.rssi) ? Number.NEGATIVE_INFINITY : o.rssi;
    let entry = this.byTokenId[o.tokenId];
    if (entry === undefined || entry.token !== o.token) {
      entry = source.entries.get(o.token);
      if (entry === undefined) {
        entry = new TokenEntry(o.source, o.token, o.addressKind, o.group, o.timeMs, o.timeMs, rssi, o.signature, this.slotBitmaps.take());
        entry.ordinal = this.nextOrdinal++;
        source.entries.set(o.token, entry);
      }
      if (o.tokenId >= 0) this.byTokenId[o.tokenId] = entry;
    }
    if (entry.frames === 0 || o.timeMs - entry.lastMs > BURST_GAP_MS) entry.bursts++;
    if (entry.frames === 0 || o.timeMs < entry.firstMs) {
      entry.firstMs = o.timeMs;
      entry.firstSequence = o.sequence;
    }
    if (o.timeMs >= entry.lastMs) {
      entry.lastMs = o.timeMs;
      entry.lastSequence = o.sequence;
    }
    entry.frames++;
    if (rssi > entry.maxRssi) entry.maxRssi = rssi;
    if (rssi !== Number.NEGATIVE_INFINITY) {
      entry.rssiSum += rssi;
      entry.rssiCount++;
    }
    entry.channels |= channelBit(o.source, o.channel);
    if (o.signature !== null) entry.signature = o.signature;
    entry.slots[slot >> 3]! |= 1 << (slot & 7);
    if (!entry.dirty) {
      entry.dirty = true;
      this.dirty.push(entry);
    }
  }

  /** The source can hear frames now. */
  markListening(kind: SourceKind): void {
    const source = this.sources.get(kind);
    if (source !== undefined) source.listened = true;
  }

  addMalformed(kind: SourceKind): void {
    const source = this.sources.get(kind);
    if (source !== undefined) source.malformed++;
  }

  /** How many entries changed since the last takeDirty(). */
  changedEntries(): number {
    return this.dirty.length;
  }

  /** Entries changed since the last call, the longest changed first, up to `limit`; they count as saved from now on. */
  takeDirty(limit = Number.POSITIVE_INFINITY): TokenEntry[] {
    let taken = this.dirty;
    if (limit < taken.length) taken = taken.splice(0, limit);
    else this.dirty = [];
    for (const entry of taken) entry.dirty = false;
    return taken;
  }

  /** Entries taken for a checkpoint that failed: they count as changed again, for the next one. */
  returnDirty(entries: readonly TokenEntry[]): void {
    for (const entry of entries) {
      if (entry.dirty) continue;
      entry.dirty = true;
      this.dirty.push(entry);
    }
  }

  counters(): TallyCounters {
    const frames: TallyCounters['frames'] = {};
    const malformed: TallyCounters['malformed'] = {};
    const listened: SourceKind[] = [];
    for (const [kind, source] of this.sources) {
      frames[kind] = source.frames;
      malformed[kind] = source.malformed;
      if (source.listened) listened.push(kind);
    }
    const counters: TallyCounters = { frames, malformed, listened, dropped: this.dropped, restarts: this.restarts, capturedMs: this.capturedMs(), lastTimeMs: this.lastTimeMs };
    if (this.countedFromMs !== null) counters.countedFromMs = this.countedFromMs;
    return counters;
  }

  /** Continues a window from a checkpoint: its counters and entries, capture paused until resumeCapture. */
  restore(counters: TallyCounters, entries: Iterable<TokenEntry>): void {
    for (const [kind, source] of this.sources) {
      source.frames = counters.frames[kind] ?? 0;
      source.malformed = counters.malformed[kind] ?? 0;
      source.listened = counters.listened?.includes(kind) ?? true;
    }
    this.dropped = counters.dropped;
    this.restarts = counters.restarts;
    this.capturedBeforeMs = counters.capturedMs;
    this.runningSinceMs = null;
    this.lastTimeMs = counters.lastTimeMs;
    this.countedFromMs = counters.countedFromMs ?? null;
    for (const entry of entries) {
      this.sources.get(entry.source)?.entries.set(entry.token, entry);
      this.nextOrdinal = Math.max(this.nextOrdinal, entry.ordinal + 1);
    }
  }
}
