/**
 * `footfall calibrate`'s options; what it does is in src/calibrate/command.ts, loaded when the
 * command runs (it reads captures and may open the radios: more than other commands load).
 */
import type { Command } from 'commander';
import type { CalibrateOptions } from '../calibrate/command.js';
import { addCommonOptions } from './common.js';

export function registerCalibrateCommand(program: Command): void {
  addCommonOptions(
    program
      .command('calibrate')
      .description("set the RSSI zones from the installer's phone, marked by a hidden network name or a beacon: guided at a terminal, or from recordings (--at)")
      .option('--ssid <name>', 'Wi-Fi: the name of a hidden network saved on the phone (it probes for it by name)')
      .option('--ble-name <name>', 'BLE: the local name a beacon app on the phone advertises')
      .option('--ble-uuid <uuid>', 'BLE: the 128-bit UUID a beacon app advertises (service UUID or iBeacon)')
      .option('--zones <radii>', 'zone radii in metres, nearest (the premises) first, e.g. inside=6,nearby=15')
      .option('--at <distance=file>', 'a recording of the phone at that distance in metres (repeat; no prompts)', (value: string, previous: string[] | undefined) => [...(previous ?? []), value])
      .option('--seconds <n>', 'guided: how long to sample each distance', '20')
      .option('--write <config>', 'recordings: write the zones into this config file (without it, only the diff is shown)')
      .option('--json', 'recordings: print the fit as JSON (P(1 m), n, residual, thresholds)'),
  ).action(async (options: CalibrateOptions) => (await import('../calibrate/command.js')).calibrate(options));
}
