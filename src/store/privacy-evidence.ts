/**
 * What the database itself shows of the privacy promises, for `footfall privacy audit`: which
 * window is open, how many token rows there are and whether that window was already reported,
 * and whether deleted content was overwritten. Opens the file read-only (the daemon may be
 * writing it) and reads its pages as bytes; changes nothing.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { reportId } from '../count/report.js';

export interface OpenWindowFacts {
  /** The open window's start; null when none is open. */
  openStartMs: number | null;
  /** Rows of open_tokens: they belong to the open window, the only one that may have tokens. */
  tokenRows: number;
  /** Whether the open window's report was already made (in the history or the outbox). */
  openWindowReported: boolean;
}

export function openWindowFacts(file: string): OpenWindowFacts {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const open = db.prepare('SELECT start_ms FROM open_window WHERE id = 1').get() as { start_ms: number } | undefined;
    const tokenRows = (db.prepare('SELECT count(*) AS n FROM open_tokens').get() as { n: number }).n;
    const reported =
      open !== undefined &&
      db.prepare("SELECT 1 FROM history WHERE window_start_ms = ? UNION ALL SELECT 1 FROM outbox WHERE id LIKE '%' || ?").get(open.start_ms, reportId('', open.start_ms)) !== undefined;
    return { openStartMs: open?.start_ms ?? null, tokenRows, openWindowReported: reported };
  } finally {
    db.close();
  }
}

/**
 * SQLite with secure_delete overwrites deleted content with zeros: free pages, the free blocks
 * inside pages and their unallocated space. Any non-zero byte there is deleted data left behind.
 */
export function leftoverBytes(file: string): { pages: number; dirtyPages: number[] } {
  const data = fs.readFileSync(file);
  if (data.length < 100) return { pages: 0, dirtyPages: [] };
  const rawPageSize = data.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pages = Math.floor(data.length / pageSize);
  const dirty = new Set<number>();
  const page = (number: number) => data.subarray((number - 1) * pageSize, number * pageSize);
  const nonZero = (buf: Buffer, start: number, end: number) => buf.subarray(start, end).some((byte) => byte !== 0);
  const freelist = new Set<number>();
  // The free-page list: trunk pages hold the numbers of leaf pages; leaf pages hold nothing.
  for (let trunk = data.readUInt32BE(32); trunk !== 0 && trunk <= pages && !freelist.has(trunk); ) {
    freelist.add(trunk);
    const bytes = page(trunk);
    const leaves = bytes.readUInt32BE(4);
    for (let i = 0; i < leaves && 8 + 4 * i + 4 <= pageSize; i++) {
      const leaf = bytes.readUInt32BE(8 + 4 * i);
      if (leaf === 0 || leaf > pages) continue;
      freelist.add(leaf);
      if (nonZero(page(leaf), 0, pageSize)) dirty.add(leaf);
    }
    if (nonZero(bytes, 8 + 4 * leaves, pageSize)) dirty.add(trunk);
    trunk = bytes.readUInt32BE(0);
  }
  for (let number = 1; number <= pages; number++) {
    if (freelist.has(number)) continue;
    const bytes = page(number);
    const header = number === 1 ? 100 : 0;
    const type = bytes[header];
    if (type !== 2 && type !== 5 && type !== 10 && type !== 13) continue;
    const headerSize = type === 2 || type === 5 ? 12 : 8;
    const cells = bytes.readUInt16BE(header + 3);
    const contentStart = bytes.readUInt16BE(header + 5) || 65536;
    // Removing a cell leaves its 2-byte pointer past the end of the array: an offset, not content.
    let unallocated = header + headerSize + 2 * cells;
    const end = Math.min(contentStart, pageSize);
    while (unallocated + 2 <= end && bytes.readUInt16BE(unallocated) >= header + headerSize && bytes.readUInt16BE(unallocated) < pageSize) unallocated += 2;
    if (unallocated < end && nonZero(bytes, unallocated, end)) dirty.add(number);
    for (let block = bytes.readUInt16BE(header + 1), seen = 0; block !== 0 && block + 4 <= pageSize && seen < pageSize; seen++) {
      const size = bytes.readUInt16BE(block + 2);
      if (nonZero(bytes, block + 4, Math.min(block + size, pageSize))) dirty.add(number);
      block = bytes.readUInt16BE(block);
    }
  }
  return { pages, dirtyPages: [...dirty].sort((a, b) => a - b) };
}


/** The WAL's header and frame header sizes (sqlite.org/fileformat2.html, "The WAL File Format"). */
const WAL_HEADER = 32;
const WAL_FRAME_HEADER = 24;

/** A varint at `at`: its value and where the next field starts. */
function varint(buf: Buffer, at: number): [value: number, next: number] {
  let value = 0;
  for (let i = 0; i < 8; i++) {
    const byte = buf[at + i] ?? 0;
    value = value * 128 + (byte & 0x7f);
    if (byte < 0x80) return [value, at + i + 1];
  }
  return [value * 256 + (buf[at + 8] ?? 0), at + 9];
}

/**
 * The first two text columns of a record, after any leading NULLs: `open_tokens`' (source, token).
 * (A rowid table's INTEGER PRIMARY KEY column, its ordinal, is stored as a NULL in the record.)
 */
function leadingTexts(buf: Buffer, at: number, end: number): [string, string] | undefined {
  const [headerSize, typesAt] = varint(buf, at);
  let typeAt = typesAt;
  const lengths: number[] = [];
  let skipped = 0;
  while (lengths.length < 2 && typeAt < at + headerSize) {
    const [type, next] = varint(buf, typeAt);
    typeAt = next;
    if (type === 0 && lengths.length === 0) {
      skipped++;
      continue;
    }
    if (type < 13 || type % 2 === 0) return undefined;
    lengths.push((type - 13) / 2);
  }
  if (lengths.length < 2 || skipped > 1) return undefined;
  const first = at + headerSize;
  const second = first + lengths[0]!;
  if (second + lengths[1]! > end) return undefined;
  return [buf.toString('utf8', first, second), buf.toString('utf8', second, second + lengths[1]!)];
}

/**
 * The tokens in the WAL's page images of open_tokens: table leaf pages whose records start with
 * the ordinal (a NULL: the rowid stands for it), the source, 'wifi' or 'ble', then the token; and
 * index b-tree pages of the WITHOUT ROWID table of older versions, whose records start with the
 * source. Only frames of the WAL's current generation count: older ones, which a reset left
 * behind, are not read by SQLite.
 */
function walTokens(wal: Buffer): Set<string> {
  const tokens = new Set<string>();
  if (wal.length < WAL_HEADER) return tokens;
  const pageSize = wal.readUInt32BE(8);
  const salts = wal.subarray(16, 24);
  for (let frame = WAL_HEADER; frame + WAL_FRAME_HEADER + pageSize <= wal.length; frame += WAL_FRAME_HEADER + pageSize) {
    if (!wal.subarray(frame + 8, frame + 16).equals(salts)) continue;
    const page = wal.subarray(frame + WAL_FRAME_HEADER, frame + WAL_FRAME_HEADER + pageSize);
    const pageNumber = wal.readUInt32BE(frame);
    const header = pageNumber === 1 ? 100 : 0;
    const type = page[header];
    if (type !== 2 && type !== 10 && type !== 13) continue;
    const headerSize = type === 2 ? 12 : 8;
    const cells = page.readUInt16BE(header + 3);
    for (let cell = 0; cell < cells; cell++) {
      let at = page.readUInt16BE(header + headerSize + 2 * cell) + (type === 2 ? 4 : 0);
      if (at >= pageSize) continue;
      const [payloadSize, payloadAt] = varint(page, at);
      // A table leaf cell has the rowid between the payload's size and the payload.
      at = type === 13 ? varint(page, payloadAt)[1] : payloadAt;
      const texts = leadingTexts(page, at, Math.min(at + payloadSize, pageSize));
      if (texts !== undefined && (texts[0] === 'wifi' || texts[0] === 'ble')) tokens.add(`${texts[0]} ${texts[1]}`);
    }
  }
  return tokens;
}

/**
 * Tokens that the WAL still holds but the open window does not have: tokens of a finished
 * window, in page images written before its tokens were deleted, which a WAL that was not
 * truncated after the window keeps on disk. Returns how many, never which.
 */
export function finishedTokensInWal(file: string): { walBytes: number; tokens: number } {
  let wal: Buffer;
  try {
    wal = fs.readFileSync(`${file}-wal`);
  } catch {
    return { walBytes: 0, tokens: 0 };
  }
  const inWal = walTokens(wal);
  if (inWal.size === 0) return { walBytes: wal.length, tokens: 0 };
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const open = new Set((db.prepare('SELECT source, token FROM open_tokens').all() as Array<{ source: string; token: string }>).map((row) => `${row.source} ${row.token}`));
    return { walBytes: wal.length, tokens: [...inWal].filter((token) => !open.has(token)).length };
  } finally {
    db.close();
  }
}
