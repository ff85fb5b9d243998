/**
 * The first Wi-Fi device estimate, kept as the baseline that `npm run eval` compares with: a
 * vendor-assigned unicast address is one device; randomised (or invalid group-bit) addresses
 * that share an information-element signature count as one device, because a phone keeps its
 * signature while it changes its address; a randomised address without a signature is a device
 * of its own. Phones of one model and OS share a signature, so it undercounts crowds of
 * identical phones, and overcounts phones whose signature varies.
 */
import { estimateFromGroups, groupOf, mergeInto, type DeviceGroup } from '../device-groups.js';
import type { DeviceEstimator } from '../estimator.js';
import type { TokenEntry } from '../tally.js';

export function groupByIeClass(entries: Iterable<TokenEntry>): DeviceGroup[] {
  const stable: DeviceGroup[] = [];
  const bySignature = new Map<string, DeviceGroup>();
  const unlinked: DeviceGroup[] = [];
  for (const entry of entries) {
    if (entry.addressKind === 'global' && !entry.group) {
      stable.push(groupOf(entry, true));
    } else if (entry.signature === null) {
      unlinked.push(groupOf(entry, false));
    } else {
      const group = bySignature.get(entry.signature);
      if (group === undefined) bySignature.set(entry.signature, groupOf(entry, false));
      else mergeInto(group, entry);
    }
  }
  return [...stable, ...bySignature.values(), ...unlinked];
}

export const wifiIeClassEstimator: DeviceEstimator = {
  name: 'wifi-ie-class',
  estimate: (entries, context) => estimateFromGroups(groupByIeClass(entries), context),
};
