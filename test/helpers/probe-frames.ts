/** Radiotap probe requests from chosen addresses, for tests that inject frames on an interface. */
import { RATES, supportedRates } from '../../src/sim/elements.js';
import { probeElements, radiotapFrame, type Probe } from '../../src/sim/frames.js';

const elements = probeElements(supportedRates(RATES.DSSS_BASIC), []);

export function probeFrame(address: number, sequence: number): Uint8Array {
  const probe: Probe = { timeMs: Date.now(), address, sequence: sequence & 0xfff, rssi: -55, channelMhz: 2437, ssid: '', elements };
  return radiotapFrame(probe, 'fcs');
}

/** Distinct addresses, half of them randomised (locally administered), half vendor-assigned. */
export function testAddresses(count: number, offset = 0): number[] {
  return Array.from({ length: count }, (_, i) => ((i + offset) % 2 === 0 ? 0x02_7a_00_00_00_00 : 0x00_1a_11_00_00_00) + i + offset);
}
