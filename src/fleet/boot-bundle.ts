/**
 * A sensor's bundle on the boot partition (`footfall/` on the card's FAT partition, which any PC
 * can write): where it is looked for, the note left beside it when it is refused (so that the
 * installer reads why on the card itself, and `footfall doctor` on the sensor), and doctor's check.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Check, CheckResult } from '../doctor/checks.js';

/** Raspberry Pi OS mounts the boot partition at /boot/firmware since Debian 12, at /boot before. */
export const BOOT_BUNDLE_DIRS = ['/boot/firmware/footfall', '/boot/footfall'] as const;

/** The note of a refused bundle, inside it: its first line is the reason. */
export const REFUSAL_NOTE = 'footfall-import-error.txt';

/** The bundle waiting under `root`, if there is one. */
export function findBootBundle(root = '/'): string | undefined {
  return BOOT_BUNDLE_DIRS.map((dir) => path.join(root, dir)).find((dir) => fs.existsSync(dir));
}

/** Leaves the reason in the bundle; a partition that cannot be written keeps it in the journal alone. */
export function writeRefusalNote(bundleDir: string, reason: string, now: Date): boolean {
  const text =
    `${reason}\n\n` +
    `footfall refused this bundle on ${now.toISOString()} and left it here. Fix it (footfall provision\n` +
    'writes a good one), put the card back and power the sensor on: it is tried at every boot.\n';
  try {
    fs.writeFileSync(path.join(bundleDir, REFUSAL_NOTE), text);
    return true;
  } catch {
    return false;
  }
}

/** The reason a bundle was refused, if it was. */
export function readRefusal(bundleDir: string): string | undefined {
  try {
    return fs.readFileSync(path.join(bundleDir, REFUSAL_NOTE), 'utf8').split('\n')[0];
  } catch {
    return undefined;
  }
}

/** What doctor says about the boot partition's bundle, for the bundle directories `dirs`. */
export function bootBundleResult(dirs: readonly string[] = BOOT_BUNDLE_DIRS): CheckResult {
  const check = 'boot bundle';
  const dir = dirs.find((candidate) => fs.existsSync(candidate));
  if (dir === undefined) return { check, status: 'pass', message: 'no bundle waits on the boot partition' };
  const refusal = readRefusal(dir);
  if (refusal !== undefined) {
    return {
      check,
      status: 'fail',
      message: `the bundle in ${dir} was refused: ${refusal}`,
      fix: 'put a good bundle there (footfall provision writes one), then reboot or: systemctl restart footfall',
    };
  }
  return {
    check,
    status: 'warn',
    message: `a bundle waits in ${dir}: it is imported at the next boot`,
    fix: 'reboot, or: systemctl restart footfall (journalctl -u footfall-firstboot shows the import)',
  };
}

export const checkBootBundle: Check = async () => bootBundleResult();
