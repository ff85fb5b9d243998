/**
 * The real public captures in ../shared/captures, when they are there (CI and developer
 * machines have them; a plain clone does not). Tests that need them are skipped, saying so.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SHARED_DIR = fileURLToPath(new URL('../../../shared/', import.meta.url));
export const CAPTURES_DIR = path.join(SHARED_DIR, 'captures');
export const hasSharedCaptures = fs.existsSync(path.join(CAPTURES_DIR, 'wifi'));

function commandExists(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const hasTshark = commandExists('tshark');

export function capture(relative: string): string {
  return path.join(CAPTURES_DIR, relative);
}

/** Every Wi-Fi capture that is a real capture file (not the deliberately broken edge cases). */
export function wifiCaptures(): string[] {
  if (!hasSharedCaptures) return [];
  const dir = path.join(CAPTURES_DIR, 'wifi');
  const labelled = path.join(dir, 'baccichet_labelled');
  return [
    ...fs.readdirSync(dir).filter((f) => /\.(pcap|cap|pcapng)$/.test(f)).map((f) => path.join(dir, f)),
    ...fs.readdirSync(labelled).map((f) => path.join(labelled, f)),
  ].sort();
}

export interface OracleWindow {
  start: string;
  frames: number;
  addresses: number;
  addresses_global: number;
  addresses_randomized: number;
  addresses_group: number;
}

/** What ../shared/tools/wifi-window-oracle (tshark's dissectors) counts per window. */
export function wifiOracle(file: string, windowMinutes = 60): OracleWindow[] {
  const out = execFileSync(path.join(SHARED_DIR, 'tools', 'wifi-window-oracle'), [file, '--window-minutes', String(windowMinutes)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return out
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as OracleWindow);
}

/** Every distinct address (any role) in a Wi-Fi capture, as tshark reads them: the leak-scan targets. */
export function wifiAddresses(file: string): string[] {
  const out = execFileSync('tshark', ['-n', '-r', file, '-T', 'fields', '-e', 'wlan.sa', '-e', 'wlan.ta', '-e', 'wlan.addr'], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const all = new Set(out.split(/[\s,]+/).filter((a) => /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(a)));
  all.delete('ff:ff:ff:ff:ff:ff');
  all.delete('00:00:00:00:00:00');
  return [...all].sort();
}
