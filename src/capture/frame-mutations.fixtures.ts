/**
 * Mutations for the parsers' fuzz tests: a captured frame with bytes changed, bits flipped, a
 * length field rewritten, cut short or lengthened, from a seeded generator so that a failure
 * can be reproduced.
 */

/** A small seeded generator: floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Mutations {
  /** Byte values that mean something to the parser (type codes, flags, markers). */
  interestingBytes: readonly number[];
  /** Rewrites one length field of `frame` (a header's, an element's), with `int(n)` drawing from [0, n). */
  rewriteLength(frame: Buffer, int: (n: number) => number): void;
}

/** `seed` with one to four mutations, half of them in its first 64 bytes, where the headers are. */
export function mutateFrame(seed: Buffer, random: () => number, mutations: Mutations): Buffer {
  const int = (n: number) => Math.floor(random() * n);
  const { interestingBytes } = mutations;
  let frame = Buffer.from(seed);
  for (let ops = 1 + int(4); ops > 0; ops--) {
    const where = frame.length === 0 ? 0 : int(Math.min(frame.length, random() < 0.5 ? 64 : frame.length));
    switch (int(6)) {
      case 0:
        if (frame.length > 0) frame[where] = int(256);
        break;
      case 1:
        if (frame.length > 0) frame[where] = interestingBytes[int(interestingBytes.length)]!;
        break;
      case 2:
        frame = frame.subarray(0, int(frame.length + 1));
        break;
      case 3:
        frame = Buffer.concat([frame, Buffer.from(Array.from({ length: 1 + int(8) }, () => int(256)))]);
        break;
      case 4:
        mutations.rewriteLength(frame, int);
        break;
      case 5:
        if (frame.length > 0) frame[where] = frame[where]! ^ (1 << int(8));
        break;
    }
  }
  return frame;
}
