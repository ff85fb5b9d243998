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

/** Where an entry's numbers sit among its NUMBERS_PER_ENTRY in EntryColumns.numbers. */
const FIRST_MS = 0;
const LAST_MS = 1;
const MAX_RSSI = 2;
const RSSI_SUM = 3;
const NUMBERS_PER_ENTRY = 4;

/** Entries a window's columns have room for before they first grow (8.5 KB for an hour's window). */
const INITIAL_CAPACITY = 256;

/**
 * The numbers and slot bitmaps of a window's entries, in typed arrays indexed by the entries'
 * ordinals. In an entry's own fields each number that is not a small integer (a fractional
 * timestamp, -Infinity) is a separate 16-byte heap object, and a bitmap a typed array object of
 * about 80 bytes; here they cost 8 bytes and a byte per 8 slots. An entry's four numbers are
 * side by side, so that counting a frame touches one cache line of them. The arrays double when
 * an ordinal does not fit, so entries reach them through this object and never keep one.
 */
export class EntryColumns {
  /** Bytes of one entry's slot bitmap. */
  readonly slotBytes: number;
  /** firstMs, lastMs, maxRssi and rssiSum of ordinal 0, then of ordinal 1, ... */
  numbers: Float64Array;
  /** The slot bitmap of ordinal 0, then of ordinal 1, ...: `slotBytes` each. */
  slots: Uint8Array;

  constructor(slotCount: number) {
    this.slotBytes = (slotCount + 7) >> 3;
    this.numbers = new Float64Array(INITIAL_CAPACITY * NUMBERS_PER_ENTRY);
    this.slots = new Uint8Array(INITIAL_CAPACITY * this.slotBytes);
  }

  /** Makes room for the entry numbered `ordinal`: ordinals after a restore continue after the largest saved, so they can skip some. */
  reserve(ordinal: number): void {
    let capacity = this.numbers.length / NUMBERS_PER_ENTRY;
    if (ordinal < capacity) return;
    while (capacity <= ordinal) capacity *= 2;
    const numbers = new Float64Array(capacity * NUMBERS_PER_ENTRY);
    numbers.set(this.numbers);
    this.numbers = numbers;
    const slots = new Uint8Array(capacity * this.slotBytes);
    slots.set(this.slots);
    this.slots = slots;
  }
}

/**
 * What the open window knows of one token: the device estimators' input. Everything here is
 * bounded by the window: checkpointed with it, and deleted with its key. Its numbers and slot
 * bitmap live in the window's EntryColumns, at its ordinal.
 */
export class TokenEntry {
  private columns: EntryColumns;
  /** Changed since the last checkpoint. */
  dirty = false;
  /** Frames counted. */
  frames = 0;
  /** 802.11 sequence numbers of the first and the last frame; -1 when unknown (BLE). */
  firstSequence = -1;
  lastSequence = -1;
  /** Runs of frames less than BURST_GAP_MS apart. */
  bursts = 0;
  /** Number of the RSSI values known, for the mean. */
  rssiCount = 0;
  /** The channels heard on, one bit each (see channelBit). */
  channels = 0;

  /** `ordinal` must be unused among the entries of `columns`, whose slots at it start empty unless `slots` is given. */
  constructor(
    columns: EntryColumns,
    /**
     * The order in which the window first saw its token (0, 1, ...). Checkpoints store entries by
     * it, so that the entries a checkpoint rewrites, mostly the newest, are stored together.
     */
    readonly ordinal: number,
    readonly source: SourceKind,
    readonly token: string,
    public addressKind: AddressKind,
    public group: boolean,
    firstMs: number,
    lastMs: number,
    maxRssi: number,
    public signature: string | null,
    /** One bit per occupancy slot of the window in which the token was seen (copied). */
    slots?: Uint8Array,
  ) {
    columns.reserve(ordinal);
    this.columns = columns;
    const at = ordinal * NUMBERS_PER_ENTRY;
    columns.numbers[at + FIRST_MS] = firstMs;
    columns.numbers[at + LAST_MS] = lastMs;
    columns.numbers[at + MAX_RSSI] = maxRssi;
    columns.numbers[at + RSSI_SUM] = 0;
    if (slots !== undefined) columns.slots.set(slots.subarray(0, columns.slotBytes), ordinal * columns.slotBytes);
  }

  get firstMs(): number {
    return this.columns.numbers[this.ordinal * NUMBERS_PER_ENTRY + FIRST_MS]!;
  }
  set firstMs(value: number) {
    this.columns.numbers[this.ordinal * NUMBERS_PER_ENTRY + FIRST_MS] = value;
  }

  get lastMs(): number {
    return this.columns.numbers[this.ordinal * NUMBERS_PER_ENTRY + LAST_MS]!;
  }
  set lastMs(value: number) {
    this.columns.numbers[this.ordinal * NUMBERS_PER_ENTRY + LAST_MS] = value;
  }

  /** Best RSSI in dBm; -Infinity when none was known. */
  get maxRssi(): number {
    return this.columns.numbers[this.ordinal * NUMBERS_PER_ENTRY + MAX_RSSI]!;
  }
  set maxRssi(value: number) {
    this.columns.numbers[this.ordinal * NUMBERS_PER_ENTRY + MAX_RSSI] = value;
  }

  /** Sum of the RSSI values known, for the mean. */
  get rssiSum(): number {
    return this.columns.numbers[this.ordinal * NUMBERS_PER_ENTRY + RSSI_SUM]!;
  }
  set rssiSum(value: number) {
    this.columns.numbers[this.ordinal * NUMBERS_PER_ENTRY + RSSI_SUM] = value;
  }

  inSlot(slot: number): boolean {
    const byte = slot >> 3;
    return byte >= 0 && byte < this.columns.slotBytes && (this.columns.slots[this.ordinal * this.columns.slotBytes + byte]! & (1 << (slot & 7))) !== 0;
  }

  /** Sets the bit of `slot`; a slot outside the window sets none. */
  markSlot(slot: number): void {
    const byte = slot >> 3;
    if (byte >= 0 && byte < this.columns.slotBytes) this.columns.slots[this.ordinal * this.columns.slotBytes + byte]! |= 1 << (slot & 7);
  }

  /** A copy of the slot bitmap, one bit per slot (slot 0 the lowest bit of the first byte): what a checkpoint stores. */
  slotBitmap(): Uint8Array {
    const from = this.ordinal * this.columns.slotBytes;
    return this.columns.slots.slice(from, from + this.columns.slotBytes);
  }

  /** ORs the slot bitmap into `target`, a bitmap of the same window (a device's, of all its entries). */
  orSlotsInto(target: Uint8Array): void {
    const { slots, slotBytes } = this.columns;
    const from = this.ordinal * slotBytes;
    for (let i = 0; i < target.length && i < slotBytes; i++) target[i]! |= slots[from + i]!;
  }

  /** Moves the numbers and the slot bitmap to `columns` (a continued window's, where the ordinal is unused). */
  moveTo(columns: EntryColumns): void {
    const { numbers, slots, slotBytes } = this.columns;
    columns.reserve(this.ordinal);
    const at = this.ordinal * NUMBERS_PER_ENTRY;
    columns.numbers.set(numbers.subarray(at, at + NUMBERS_PER_ENTRY), at);
    const from = this.ordinal * slotBytes;
    columns.slots.set(slots.subarray(from, from + Math.min(slotBytes, columns.slotBytes)), this.ordinal * columns.slotBytes);
    this.columns = columns;
  }

  /** Mean RSSI in dBm; -Infinity when none was known. */
  meanRssi(): number {
    return this.rssiCount === 0 ? Number.NEGATIVE_INFINITY : this.rssiSum / this.rssiCount;
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
  /** The numbers and slot bitmaps of the window's entries. */
  private readonly columns: EntryColumns;

  constructor(
    readonly span: WindowSpan,
    sourceKinds: readonly SourceKind[],
  ) {
    this.sources = new Map(sourceKinds.map((kind) => [kind, new SourceTally()]));
    this.slots = slotCount(span);
    this.columns = new EntryColumns(this.slots);
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
        entry = new TokenEntry(this.columns, this.nextOrdinal++, o.source, o.token, o.addressKind, o.group, o.timeMs, o.timeMs, rssi, o.signature);
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
    entry.markSlot(slot);
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

  /**
   * Continues a window from a checkpoint: its counters and entries, capture paused until
   * resumeCapture. The entries are the tally's from now on, their numbers and slots in its columns.
   */
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
      const source = this.sources.get(entry.source);
      if (source !== undefined) {
        entry.moveTo(this.columns);
        source.entries.set(entry.token, entry);
      }
      this.nextOrdinal = Math.max(this.nextOrdinal, entry.ordinal + 1);
    }
  }
}
