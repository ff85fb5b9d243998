/**
 * Live capture: libpcap through the `pcap` package's native binding, below its JavaScript
 * wrapper. The wrapper allocates a packet object and emits an event for every packet, which
 * costs as much as the rest of footfall's per-frame work; here libpcap calls one function that
 * reads the shared buffers directly. (Capture files go through footfall's own batch reader,
 * pcap-batch-reader.ts.)
 *
 * The buffers are reused for every packet: `packet` holds `capturedLength()` bytes of the
 * current frame (the rest is stale), `header` its libpcap header. Copy anything you keep.
 */
import { createRequire } from 'node:module';

/**
 * The most a live capture keeps of one frame: more than any 802.11 management frame with its
 * radio header, and it keeps data frames (seen when no BPF filter applies) from filling the
 * kernel buffer.
 */
export const LIVE_SNAP_LENGTH = 4096;
const HEADER_BYTES = 16;

/** pcap_dispatch's result when pcap_breakloop ended it; the binding frees the handle then. */
const DISPATCH_BROKEN = -2;
const DISPATCH_ERROR = -1;

interface NativeStats {
  ps_recv: number;
  ps_drop: number;
  ps_ifdrop: number;
}

type OpenFunction = (
  source: string,
  filter: string,
  bufferSize: number,
  snapLength: number,
  dumpFile: string,
  onPacket: () => void,
  monitor: boolean,
  bufferTimeout: number,
  onWarning: (text: string) => void,
  promiscuous: boolean,
) => string;

interface NativeSession {
  /** Opens an interface; returns the link type as a name ("LINKTYPE_ETHERNET") or "Unknown linktype N". */
  open_live: OpenFunction;
  /**
   * Reads the packets available now: 0 when none is left, -1 on an error, -2 when close() broke
   * the loop, which frees libpcap's handle (and must be the last call on the session).
   */
  dispatch(packet: Buffer, header: Buffer): number;
  /** Only asks libpcap to break its loop (pcap_breakloop); see dispatch. */
  close(): void;
  stats(): NativeStats;
  inject(frame: Buffer): void;
}

interface NativeBinding {
  PcapSession: new () => NativeSession;
}

// The binding is the package's own build product; the package declares no exports that hide it.
const binding = createRequire(import.meta.url)('pcap/build/Release/pcap_binding.node') as NativeBinding;

/** The buffers libpcap copies every packet into, and the current packet's header fields. */
abstract class PacketBuffers {
  readonly packet: Buffer;
  readonly header = Buffer.alloc(HEADER_BYTES);
  /** The header as the binding writes it: seconds, microseconds, captured and original length, host order. */
  private readonly fields = new Uint32Array(this.header.buffer, this.header.byteOffset, HEADER_BYTES / 4);

  protected constructor(snapLength: number) {
    this.packet = Buffer.alloc(snapLength);
  }

  /** Capture time of the current packet in ms since the epoch (microseconds kept as a fraction). */
  timeMs(): number {
    return this.fields[0]! * 1000 + this.fields[1]! / 1000;
  }

  capturedLength(): number {
    return this.fields[2]!;
  }

  originalLength(): number {
    return this.fields[3]!;
  }
}

/** Link type names the binding returns, as LINKTYPE_ values; others come as "Unknown linktype N". */
const NAMED_LINK_TYPES: ReadonlyMap<string, number> = new Map([
  ['LINKTYPE_NULL', 0],
  ['LINKTYPE_ETHERNET', 1],
  ['LINKTYPE_RAW', 101],
  ['LINKTYPE_LINUX_SLL', 113],
  ['LINKTYPE_IEEE802_11_RADIO', 127],
]);

/** The LINKTYPE_ value behind the binding's answer; NaN if it says something unexpected. */
export function linkTypeFromBinding(answer: string): number {
  const named = NAMED_LINK_TYPES.get(answer);
  if (named !== undefined) return named;
  const match = /^Unknown linktype (\d+)$/.exec(answer);
  return match ? Number(match[1]) : Number.NaN;
}

/**
 * Live sessions that were closed while no packet was waiting. In non-blocking mode libpcap
 * notices pcap_breakloop only after it has read a packet, and only then does the binding free
 * the handle, so these are read now and then (on a timer that keeps no process alive) until
 * a packet arrives and the dispatch frees them.
 */
class ClosingSessions {
  private readonly sessions = new Set<NativeSession>();
  private readonly packet = Buffer.alloc(LIVE_SNAP_LENGTH);
  private readonly header = Buffer.alloc(HEADER_BYTES);
  private timer: NodeJS.Timeout | undefined;

  add(session: NativeSession): void {
    this.sessions.add(session);
    this.timer ??= setInterval(() => this.sweep(), 1000).unref();
  }

  private sweep(): void {
    for (const session of this.sessions) {
      // -2: freed; -1: the interface is gone, and reading will never free the handle.
      if (session.dispatch(this.packet, this.header) < 0) this.sessions.delete(session);
    }
    if (this.sessions.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

const closingSessions = new ClosingSessions();

export interface LivePcapOptions {
  /** The network interface to capture on. */
  interface: string;
  /** A BPF filter, compiled for the interface's link type; '' for none. */
  filter: string;
  /** The kernel capture buffer. */
  bufferKb: number;
  /** libpcap's warnings (say, an interface without an IPv4 address). */
  onWarning: (text: string) => void;
}

export interface LivePcapStats {
  /** Packets the kernel handed to the capture (pcap_stat ps_recv). */
  received: number;
  /** Packets dropped because the capture buffer was full (ps_drop). */
  dropped: number;
  /** Packets the interface or its driver dropped (ps_ifdrop). */
  interfaceDropped: number;
}

/**
 * Milliseconds the kernel holds a partly filled buffer block before handing it over. It bounds
 * how late a frame reaches footfall on a quiet interface; a block that fills is handed over at once.
 */
const BUFFER_TIMEOUT_MS = 50;
/** How often the capture is read. */
const READ_INTERVAL_MS = 50;

/**
 * A live capture on a network interface, promiscuous and non-blocking, read on a timer.
 *
 * The binding can also poll the socket itself (start_polling), but its poll handle is stopped
 * only by a dispatch that returns -2, and in non-blocking mode libpcap returns that only after
 * it has read a packet: on a quiet interface a closed session would keep the process alive
 * until the next frame arrived. Reading on a timer that close() clears ends at once. The kernel
 * buffer holds what arrives in between.
 */
export class LivePcap extends PacketBuffers {
  private readonly native = new binding.PcapSession();
  private state: 'new' | 'open' | 'closed' = 'new';
  private onPacket: () => void = () => {};
  private timer: NodeJS.Timeout | undefined;
  /** True while a dispatch runs, that is while onPacket may be called. */
  private reading = false;
  private lastStats: LivePcapStats = { received: 0, dropped: 0, interfaceDropped: 0 };

  constructor(private readonly options: LivePcapOptions) {
    super(LIVE_SNAP_LENGTH);
  }

  /**
   * Opens the interface and returns the link type libpcap reports (a LINKTYPE_ value; NaN if
   * the binding names none). Throws libpcap's message (an Error) when the interface cannot be
   * opened or the filter does not compile for it.
   */
  open(): number {
    if (this.state !== 'new') throw new Error('a LivePcap opens once');
    const { options } = this;
    // When open_live throws, the binding does not say how far it got, so whatever libpcap
    // holds is left alone: the session counts as closed.
    this.state = 'closed';
    const answer = this.native.open_live(
      options.interface,
      options.filter,
      options.bufferKb * 1024,
      LIVE_SNAP_LENGTH,
      '',
      () => this.onPacket(),
      false,
      BUFFER_TIMEOUT_MS,
      (text) => options.onWarning(String(text)),
      true,
    );
    this.state = 'open';
    return linkTypeFromBinding(answer);
  }

  /**
   * Calls `onPacket` for every packet (read the shared buffers there) until close(), or
   * `onError` once if libpcap cannot read any more (the interface went away).
   */
  start(onPacket: () => void, onError: (error: Error) => void): void {
    if (this.state !== 'open' || this.timer) throw new Error('start() needs an open LivePcap that is not started');
    this.onPacket = onPacket;
    this.timer = setInterval(() => this.read(onError), READ_INTERVAL_MS);
  }

  private read(onError: (error: Error) => void): void {
    this.reading = true;
    const result = this.native.dispatch(this.packet, this.header);
    this.reading = false;
    if (result === DISPATCH_BROKEN) {
      // onPacket called close(), and this dispatch noticed it and freed the handle.
      this.state = 'closed';
      return;
    }
    if (this.state === 'closed') {
      // onPacket called close() after the last packet there was.
      this.release();
      return;
    }
    if (result === DISPATCH_ERROR) {
      clearInterval(this.timer);
      onError(new Error(`libpcap could not read from ${this.options.interface}`));
    }
  }

  /** Counters since open; after close() or a failed query, those of the last good query. */
  stats(): LivePcapStats {
    if (this.state !== 'open') return this.lastStats;
    try {
      const native = this.native.stats();
      this.lastStats = { received: native.ps_recv, dropped: native.ps_drop, interfaceDropped: native.ps_ifdrop };
    } catch {
      // pcap_stats failed (the socket is in error); the last counters stand.
    }
    return this.lastStats;
  }

  /** Sends a frame out of the interface, link-layer header included. */
  inject(frame: Uint8Array): void {
    if (this.state !== 'open') throw new Error('inject() needs an open LivePcap');
    this.native.inject(Buffer.isBuffer(frame) ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
  }

  /**
   * Stops reading at once; onPacket is not called again. Safe to call from onPacket and more
   * than once.
   */
  close(): void {
    if (this.state !== 'open') {
      this.state = 'closed';
      return;
    }
    this.stats();
    this.state = 'closed';
    clearInterval(this.timer);
    this.onPacket = () => {};
    this.native.close();
    // Inside onPacket the dispatch in progress notices the break; read() finishes the close.
    if (!this.reading) this.release();
  }

  /** Frees libpcap's handle if a packet is waiting to reveal the break; otherwise the closing sessions' sweep will. */
  private release(): void {
    const result = this.native.dispatch(this.packet, this.header);
    if (result !== DISPATCH_BROKEN && result !== DISPATCH_ERROR) closingSessions.add(this.native);
  }
}
