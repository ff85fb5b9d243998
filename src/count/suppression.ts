/**
 * `privacy.min_count`: in a small venue or at night, a count of 1 or 2 can point at one person.
 * Counts of devices and addresses below the minimum are reported as 0, and the report names the
 * fields it changed, so a subscriber can tell "nobody" from "too few to say". Radio traffic
 * (frames, malformed) and the quality figures are not counts of people and stay as they are.
 */
import type { BleCounts, WifiCounts, WindowReport } from '../payloads/payloads.js';

const WIFI_COUNTS = ['addresses', 'addresses_global', 'addresses_randomized', 'devices'] as const;
const BLE_COUNTS = ['addresses', 'addresses_public', 'addresses_random_static', 'addresses_resolvable', 'addresses_nonresolvable', 'devices'] as const;

/** The report with every count of devices or addresses in 1..minCount-1 set to 0, and `suppressed` naming them. */
export function suppressSmallCounts(report: WindowReport, minCount: number): WindowReport {
  if (minCount <= 1) return report;
  const suppressed: string[] = [];
  const small = (value: number, path: string): number => {
    if (value > 0 && value < minCount) {
      suppressed.push(path);
      return 0;
    }
    return value;
  };
  const record = (values: Partial<Record<string, number>>, path: string) =>
    Object.fromEntries(Object.entries(values).map(([name, value]) => [name, small(value!, `${path}.${name}`)]));
  let wifi: WifiCounts | undefined;
  if (report.wifi !== undefined) {
    wifi = { ...report.wifi, zones: record(report.wifi.zones, 'wifi.zones') as Record<string, number>, dwell_minutes: record(report.wifi.dwell_minutes, 'wifi.dwell_minutes') };
    for (const field of WIFI_COUNTS) wifi[field] = small(report.wifi[field], `wifi.${field}`);
  }
  let ble: BleCounts | undefined;
  if (report.ble !== undefined) {
    ble = { ...report.ble, zones: record(report.ble.zones, 'ble.zones') as Record<string, number> };
    for (const field of BLE_COUNTS) ble[field] = small(report.ble[field], `ble.${field}`);
  }
  const occupancy = report.occupancy.map((count, slot) => small(count, `occupancy[${slot}]`));
  if (suppressed.length === 0) return report;
  return { ...report, ...(wifi === undefined ? {} : { wifi }), ...(ble === undefined ? {} : { ble }), occupancy, suppressed };
}
