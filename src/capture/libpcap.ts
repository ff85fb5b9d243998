/**
 * libpcap through the `pcap` package's native binding, below its JavaScript wrapper. The
 * wrapper allocates a packet object and emits an event for every packet, which costs as much
 * as the rest of footfall's per-frame work; here libpcap calls one function that reads the
 * shared buffers directly.
 *
 * The buffers are reused for every packet: `packet` holds `capturedLength()` bytes of the
 * current frame (the rest is stale), `header` its libpcap header. Copy anything you keep.
 */
import { createRequire } from 'node:module';

/** The most libpcap hands over of one frame (its default snap length). */
export const SNAP_LENGTH = 65535;
const HEADER_BYTES = 16;

interface NativeSession {
  open_offline(
    path: string,
    filter: string,
    bufferSize: number,
    snapLength: number,
    dumpFile: string,
    onPacket: () => void,
    monitor: boolean,
    bufferTimeout: number,
    onWarning: (text: string) => void,
    promiscuous: boolean,
  ): string;
  /** Reads packets until none is left (0), an error (-1) or stop (-2, which frees the handle). */
  dispatch(packet: Buffer, header: Buffer): number;
  close(): void;
}

interface NativeBinding {
  PcapSession: new () => NativeSession;
  lib_version(): string;
}

// The binding is the package's own build product; the package declares no exports that hide it.
const binding = createRequire(import.meta.url)('pcap/build/Release/pcap_binding.node') as NativeBinding;

export function libpcapVersion(): string {
  return binding.lib_version();
}

/** A capture file opened through libpcap, read in one synchronous pass. */
export class OfflinePcap {
  readonly packet = Buffer.alloc(SNAP_LENGTH);
  readonly header = Buffer.alloc(HEADER_BYTES);
  /** The header as libpcap writes it: seconds, microseconds, captured and original length, host order. */
  private readonly fields = new Uint32Array(this.header.buffer, this.header.byteOffset, HEADER_BYTES / 4);
  private readonly native = new binding.PcapSession();
  private onPacket: () => void = () => {};
  private open = true;
  private reading = false;

  /**
   * Opens `path` with a BPF `filter`; throws libpcap's message (an Error) when the file or the
   * filter cannot be used.
   */
  constructor(path: string, filter: string, onWarning: (text: string) => void) {
    this.native.open_offline(path, filter, 0, SNAP_LENGTH, '', () => this.onPacket(), false, 0, onWarning, false);
  }

  /** Calls `onPacket` for every packet that passes the filter, until the end of the file or stop(). */
  readAll(onPacket: () => void): void {
    if (!this.open) return;
    this.onPacket = onPacket;
    this.reading = true;
    let result: number;
    do result = this.native.dispatch(this.packet, this.header);
    while (result > 0);
    this.reading = false;
    // -2: stop() broke the loop and libpcap's handle is already freed.
    if (result !== -2) this.free();
    this.open = false;
  }

  /** Ends a readAll in progress (call it from onPacket), or frees a file that was not read. */
  stop(): void {
    if (!this.open) return;
    // close() only asks libpcap to break its loop; the handle is freed by the dispatch that
    // notices: the one in progress inside readAll, or otherwise one made here.
    if (this.reading) this.native.close();
    else this.free();
    this.open = this.reading;
  }

  private free(): void {
    this.native.close();
    this.native.dispatch(this.packet, this.header);
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
