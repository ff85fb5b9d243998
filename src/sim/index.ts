/**
 * The venue simulation and capture generator: `footfall demo`'s simulated store, the test
 * suite's self-generated fixtures with exact ground truth, and the benchmark capture.
 */

export { FLAT_CURVE, STORE_CURVE, STREET_CURVE, curveAt, type DailyCurve } from './daily-curve.js';
export { SCAN_CHANNELS_MHZ, isLocallyAdministered, type Emission, type Role } from './device.js';
export {
  LINKTYPE,
  MAX_FRAME_BYTES,
  avsFrame,
  encodeFrame,
  encodeProbeRequest,
  ieee80211Frame,
  prismFrame,
  probeElements,
  radiotapFrame,
  type FrameEncoding,
  type Probe,
  type ProbeElements,
  type WifiLinkType,
} from './frames.js';
export { BENCHMARK_CAPTURE, captureAddresses, fixtures, generateCapture, type CaptureOptions, type CaptureResult, type FixtureCache } from './generate.js';
export { bleCaptureAddresses, generateBleCapture, type BleCaptureOptions, type BleCaptureResult, type BleWindowTruth } from './generate-ble.js';
export { bleAdvertisements, formatAddress, type BleAdvertisement, type BleDeviceKind, type BleVenueOptions } from './ble-venue.js';
export { BtsnoopWriter, MemorySink, PcapngWriter, PcapWriter, fileSink, openCaptureWriter, type ByteSink, type CaptureWriter, type PcapOptions } from './pcap-writer.js';
export { PHONES, PROFILES, type DeviceProfile, type MacPolicy } from './profiles.js';
export { RADIOTAP_LAYOUT_NAMES, type RadiotapLayout } from './radiotap.js';
export { Random, type Seed } from './random.js';
export { venueForTarget, type CaptureTarget } from './target.js';
export { OCCUPANCY_SLOT_MINUTES, type WindowTruth } from './truth.js';
export { DEFAULT_START_MS, venueEmissions, type VenueOptions } from './venue.js';
