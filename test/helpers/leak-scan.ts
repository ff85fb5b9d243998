/**
 * The privacy check: looks for device addresses in everything the sensor wrote or sent, in every
 * textual and binary form an address takes.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The forms of `aa:bb:cc:dd:ee:ff` a leak could take. */
export function addressForms(address: string): { text: string[]; bytes: Buffer } {
  const hex = address.toLowerCase().replace(/[^0-9a-f]/g, '');
  const octets = hex.match(/../g)!;
  const text = [
    octets.join(':'),
    octets.join('-'),
    octets.join('.'),
    hex,
    `${hex.slice(0, 4)}.${hex.slice(4, 8)}.${hex.slice(8)}`,
  ];
  return { text: [...text, ...text.map((t) => t.toUpperCase())], bytes: Buffer.from(hex, 'hex') };
}

export interface Leak {
  address: string;
  where: string;
  form: string;
}

/** Every file under `dir`, recursively, as named buffers. */
export function filesUnder(dir: string): Array<{ name: string; data: Buffer }> {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const file = path.join(entry.parentPath, entry.name);
      return { name: file, data: fs.readFileSync(file) };
    });
}

/** Searches each output for each address in each form; text forms also in the bytes as ASCII. */
export function findLeaks(addresses: readonly string[], outputs: ReadonlyArray<{ name: string; data: Buffer | string }>): Leak[] {
  const leaks: Leak[] = [];
  const buffers = outputs.map((o) => ({ name: o.name, data: Buffer.isBuffer(o.data) ? o.data : Buffer.from(o.data) }));
  for (const address of addresses) {
    const { text, bytes } = addressForms(address);
    for (const output of buffers) {
      if (output.data.includes(bytes)) leaks.push({ address, where: output.name, form: 'raw bytes' });
      for (const form of text) if (output.data.includes(form)) leaks.push({ address, where: output.name, form });
    }
  }
  return leaks;
}
