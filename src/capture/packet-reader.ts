/**
 * How capture files are read: a batch of packets at a time, each packet parsed where it lies in
 * the batch. libpcap's files come through footfall's native reader (PcapBatchReader), btsnoop
 * logs through their own (BtsnoopReader).
 */

/** The most a file source keeps of one frame (libpcap's default snap length). */
export const SNAP_LENGTH = 65535;

/**
 * Packets as a reader stored them, walked with next(): after it returns true, the current packet
 * is `bytes[start, start + capturedLength)`. Copy anything you keep: after the reader's next
 * read the buffer is filled again.
 */
export interface PacketBatch {
  readonly bytes: Buffer;
  readonly start: number;
  readonly capturedLength: number;
  /** The packet's length on the air, of which capturedLength bytes were kept. */
  readonly originalLength: number;
  /** Capture time in ms since the epoch (microseconds kept as a fraction). */
  readonly timeMs: number;
  /** Moves to the next packet; false when the batch is done. */
  next(): boolean;
}

/** A capture file opened for reading. */
export interface PacketReader {
  /**
   * The next packets, ready to walk; null at the end of the file. Throws where the file breaks
   * off, after the batches with the packets before the break.
   */
  read(): PacketBatch | null;
  /** Frees the file; reads after this find the end. Safe to call more than once. */
  close(): void;
}
