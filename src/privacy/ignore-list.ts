/**
 * The devices a venue never counts (`capture.ignore`): its own PCs, printers, tills and beacons,
 * and people who asked to opt out. An entry is a full address or an OUI prefix (the first three
 * octets: a vendor's block, e.g. every PC of one make). The Pseudonymizer matches each frame's
 * 48-bit address here before tokenizing it, so an ignored device leaves no token, count or log
 * line behind.
 *
 * Entries may be personal data (a person's address), so nothing here ever repeats one: a bad
 * entry is named by its position only.
 */

/** Dividing a 48-bit address by 2^24 leaves its first three octets, the OUI. */
const OUI_SHIFT = 2 ** 24;
/** Six or three octets of two hex digits, with one separator throughout. */
const FULL_ADDRESS = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$/i;
const OUI_PREFIX = /^[0-9a-f]{2}([:-])[0-9a-f]{2}\1[0-9a-f]{2}$/i;

export const IGNORE_ENTRY_FORMS = 'an address aa:bb:cc:dd:ee:ff or a vendor prefix (OUI) aa:bb:cc, with ":" or "-" between octets';

export type IgnoreEntry = { kind: 'address'; address: number } | { kind: 'prefix'; prefix: number };

/** Reads one entry, any case, spaces around it allowed; undefined when it is not one of the two forms. */
export function parseIgnoreEntry(text: string): IgnoreEntry | undefined {
  const trimmed = text.trim();
  const value = parseInt(trimmed.replace(/[:-]/g, ''), 16);
  if (FULL_ADDRESS.test(trimmed)) return { kind: 'address', address: value };
  if (OUI_PREFIX.test(trimmed)) return { kind: 'prefix', prefix: value };
  return undefined;
}

export class IgnoreList {
  private readonly addresses = new Set<number>();
  private readonly prefixes = new Set<number>();

  /** `entries` as the config holds them, already validated: a bad one here is a bug. */
  constructor(entries: readonly string[]) {
    entries.forEach((text, index) => {
      const entry = parseIgnoreEntry(text);
      if (entry === undefined) throw new RangeError(`capture.ignore entry ${index + 1} is neither an address nor an OUI prefix`);
      if (entry.kind === 'address') this.addresses.add(entry.address);
      else this.prefixes.add(entry.prefix);
    });
  }

  /** Distinct entries: what may be said of the list (never which addresses it holds). */
  get size(): number {
    return this.addresses.size + this.prefixes.size;
  }

  /** Whether a 48-bit address (most significant octet first, Wi-Fi and BLE alike) is ignored. */
  matches(address: number): boolean {
    return this.addresses.has(address) || (this.prefixes.size > 0 && this.prefixes.has(Math.floor(address / OUI_SHIFT)));
  }
}
