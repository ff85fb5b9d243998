import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { piSerialNumber } from './bundle-import.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-serial-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A root holding these files. */
function rootWith(name: string, files: Record<string, string>): string {
  const root = path.join(dir, name);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return root;
}

describe('piSerialNumber', () => {
  it("reads the device tree's serial number, without its final NUL", () => {
    expect(piSerialNumber(rootWith('tree', { 'sys/firmware/devicetree/base/serial-number': '10000000A1B2C3D4\0' }))).toBe('10000000a1b2c3d4');
  });

  it('falls back to the Serial line of /proc/cpuinfo', () => {
    const cpuinfo = 'processor\t: 0\nBogoMIPS\t: 108.00\n\nHardware\t: BCM2835\nRevision\t: c03111\nSerial\t\t: 100000002f3e4d5c\nModel\t\t: Raspberry Pi 4\n';
    expect(piSerialNumber(rootWith('cpuinfo', { 'proc/cpuinfo': cpuinfo }))).toBe('100000002f3e4d5c');
  });

  it('has none on a machine without one, or with an all-zero one', () => {
    expect(piSerialNumber(rootWith('none', {}))).toBeUndefined();
    expect(piSerialNumber(rootWith('zeros', { 'proc/cpuinfo': 'Serial\t\t: 0000000000000000\n' }))).toBeUndefined();
  });
});
