/** Radiotap probe requests from chosen addresses, for tests that inject frames on an interface. */
import { RATES, supportedRates } from '../../src/sim/elements.js';
import { probeElements, radiotapFrame, type Probe } from '../../src/sim/frames.js';

const elements = probeElements(supportedRates(RATES.DSSS_BASIC), []);

export function probeFrame(address: number, sequence: number): Uint8Array {
  const probe: Probe = { timeMs: Date.now(), address, sequence: sequence & 0xfff, rssi: -55, channelMhz: 2437, ssid: '', elements };
  return radiotapFrame(probe, 'fcs');
}

/**
 * Distinct addresses, half of them randomised (locally administered), half vendor-assigned. Their
 * middle bytes are not zero, so that a leak scan does not find one by chance in the zeros that
 * secure_delete leaves (02:7a:00:00:00:00 is a cell pointer followed by a cleared page).
 */
export function testAddresses(count: number, offset = 0): number[] {
  return Array.from({ length: count }, (_, i) => ((i + offset) % 2 === 0 ? 0x02_7a_c3_5e_00_00 : 0x00_1a_11_9d_00_00) + i + offset);
}
