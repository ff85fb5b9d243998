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

/** The BLE captures: link-layer sniffer captures and a btsnoop HCI log. */
export function bleCaptures(): string[] {
  if (!hasSharedCaptures) return [];
  const dir = path.join(CAPTURES_DIR, 'ble');
  return fs.readdirSync(dir).map((f) => path.join(dir, f)).sort();
}

export interface BleOracleWindow {
  start: string;
  reports: number;
  addresses: number;
  addresses_random: number;
}

/** What ../shared/tools/ble-window-oracle (tshark's dissectors) counts per window. */
export function bleOracle(file: string, windowMinutes = 60): BleOracleWindow[] {
  const out = execFileSync(path.join(SHARED_DIR, 'tools', 'ble-window-oracle'), [file, '--window-minutes', String(windowMinutes)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return out
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as BleOracleWindow);
}

function tsharkFields(file: string, filter: string, fields: readonly string[]): string[][] {
  const args = ['-n', '-r', file, ...(filter ? ['-Y', filter] : []), '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', ...fields.flatMap((f) => ['-e', f])];
  return execFileSync('tshark', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\t'));
}

/** Every address tshark finds in a BLE capture, in any field and any frame (also those with a bad CRC): the leak-scan targets. */
export function bleAddresses(file: string): string[] {
  const fields = [
    'btle.advertising_address',
    'btle.scanning_address',
    'btle.initiator_address',
    'btle.target_address',
    'bthci_evt.bd_addr',
    'bthci_evt.direct_bd_addr',
    'bthci_evt.le_peer_rpa',
    'bthci_evt.le_local_rpa',
    'bthci_cmd.bd_addr',
    'btcommon.eir_ad.entry.bd_addr',
  ];
  const all = new Set(tsharkFields(file, '', fields).flatMap((row) => row.flatMap((cell) => cell.split(','))).filter((a) => /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(a)));
  all.delete('ff:ff:ff:ff:ff:ff');
  all.delete('00:00:00:00:00:00');
  return [...all].sort();
}

/** tshark's filter for the advertising PDUs a link-layer capture counts (the oracle's frames). */
export const BLE_ADVERTISING_FILTER =
  '(btle.advertising_header.pdu_type == 0 || btle.advertising_header.pdu_type == 1 || btle.advertising_header.pdu_type == 2 || ' +
  'btle.advertising_header.pdu_type == 4 || btle.advertising_header.pdu_type == 6) && btle.advertising_address && ' +
  '!btle.crc.incorrect && !_ws.malformed && !(nordic_ble.crcok == 0)';

/** Distinct advertisers by kind, per UTC window, from the address type and top bits tshark reads (the oracle's frames). */
export function bleAddressKinds(file: string, windowMinutes = 60): Record<string, Record<string, number>> {
  const reports = 'bthci_evt.le_meta_subevent == 0x02 || bthci_evt.le_meta_subevent == 0x0b || bthci_evt.le_meta_subevent == 0x0d';
  let rows = tsharkFields(file, BLE_ADVERTISING_FILTER, ['frame.time_epoch', 'btle.advertising_address', 'btle.advertising_header.randomized_tx']).map(([time, address, random]) => ({
    time: Number(time),
    addresses: [address!.split(',')[0]!],
    random: [random!.split(',')[0] === '1' || random!.split(',')[0] === 'True'],
  }));
  if (rows.length === 0) {
    rows = tsharkFields(file, reports, ['frame.time_epoch', 'bthci_evt.bd_addr', 'bthci_evt.le_peer_address_type']).map(([time, addresses, types]) => ({
      time: Number(time),
      addresses: addresses!.split(','),
      random: addresses!.split(',').map((_, i) => ['0x01', '0x03', '0x00000001', '0x00000003'].includes((types ?? '').split(',')[i] ?? '')),
    }));
  }
  const windows: Record<string, Map<string, string>> = {};
  for (const row of rows) {
    const start = new Date(Math.floor(row.time / (windowMinutes * 60)) * windowMinutes * 60_000).toISOString().replace('.000Z', 'Z');
    windows[start] ??= new Map();
    row.addresses.forEach((address, i) => {
      const top = parseInt(address.slice(0, 2), 16) >> 6;
      const kind = !row.random[i] ? 'addresses_public' : top === 0b11 ? 'addresses_random_static' : top === 0b01 ? 'addresses_resolvable' : 'addresses_nonresolvable';
      windows[start]!.set(address, kind);
    });
  }
  return Object.fromEntries(
    Object.entries(windows).map(([start, addresses]) => {
      const kinds = { addresses_public: 0, addresses_random_static: 0, addresses_resolvable: 0, addresses_nonresolvable: 0 } as Record<string, number>;
      for (const kind of addresses.values()) kinds[kind]!++;
      return [start, kinds];
    }),
  );
}
