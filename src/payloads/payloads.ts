/**
 * Every MQTT payload footfall sends, typed in one place, with the topics they go to. Below the
 * layers that build them (count/, core/), keep them (store/) and send them (publish/).
 * Field names are snake_case and times ISO-8601 UTC. Payloads carry counts only: never a token,
 * a signature or an address, and nothing per device.
 */

export const REPORT_SCHEMA = 'footfall.report/1';
export const LIVE_SCHEMA = 'footfall.live/1';
export const HEALTH_SCHEMA = 'footfall.health/1';
export const PRIVACY_SCHEMA = 'footfall.privacy/1';

export const DWELL_BUCKETS = ['0-5', '5-15', '15-30', '30-60', '60+'] as const;
export type DwellBucket = (typeof DWELL_BUCKETS)[number];

export interface WifiCounts {
  /** Probe requests counted. */
  frames: number;
  /** Frames read but unusable: truncated, malformed, or failing their FCS. */
  malformed: number;
  /** Distinct source addresses (collision-corrected). */
  addresses: number;
  /** ... whose locally-administered bit is clear (vendor-assigned). */
  addresses_global: number;
  /** ... whose locally-administered bit is set (randomised). */
  addresses_randomized: number;
  /** Estimated distinct physical devices. */
  devices: number;
  /** Devices per RSSI zone (see `zones` in the config). */
  zones: Record<string, number>;
  /** Stably identified devices by minutes between their first and last frame in the window. */
  dwell_minutes: Partial<Record<DwellBucket, number>>;
}

export interface BleCounts {
  frames: number;
  malformed: number;
  addresses: number;
  addresses_public: number;
  addresses_random_static: number;
  addresses_resolvable: number;
  addresses_nonresolvable: number;
  devices: number;
  zones: Record<string, number>;
}

export interface ReportQuality {
  /** Seconds of the window during which the sensor captured (in a replay: covered by the input). */
  capture_seconds: number;
  /** Frames lost before footfall saw them (capture drops), or that arrived too late for the window. */
  dropped_frames: number;
  /**
   * How many times the daemon restarted inside the window and continued it. A replay continues
   * exactly where it stopped, so its reports are an uninterrupted run's and count none.
   */
  restarts: number;
  /** Whether the clock was synchronized for the whole window. */
  clock_synced: boolean;
  /**
   * Present when the window's devices had to be counted afresh from this time: its key was lost
   * or did not match its checkpoint after a restart, and counting on would have counted devices
   * seen before and after twice. Addresses, devices, zones, dwell and occupancy cover the window
   * from then on; frames and capture_seconds the whole window.
   */
  devices_counted_from?: string;
}

/** Topic `report`, QoS 1: one per finished window, oldest first. */
export interface WindowReport {
  schema: typeof REPORT_SCHEMA;
  /** `<sensor>/<window start>`: stable, so a subscriber can drop QoS 1 duplicates. */
  id: string;
  sensor: string;
  window: { start: string; end: string };
  /** Present and true when the window did not run to its end (a replay whose input ended in it). */
  partial?: true;
  /** Absent when Wi-Fi capture is disabled. */
  wifi?: WifiCounts;
  /** Absent when BLE capture is disabled. */
  ble?: BleCounts;
  /** Estimated devices present per 5-minute slot of the window. */
  occupancy: number[];
  quality: ReportQuality;
  /**
   * Present when `privacy.min_count` hid counts: the fields (`wifi.devices`, `wifi.zones.inside`,
   * `occupancy[3]`, ...) reported as 0 because they were above 0 but below the minimum.
   */
  suppressed?: string[];
}

/** Topic `live`, QoS 0, retained: the open window's counts so far. */
export interface LivePayload extends Omit<WindowReport, 'schema' | 'partial'> {
  schema: typeof LIVE_SCHEMA;
  /** When these counts were taken. */
  as_of: string;
}

/** Topic `status`, QoS 1, retained; the last will says offline. */
export interface StatusPayload {
  state: 'online' | 'offline';
}

export interface SourceHealth {
  /** `capturing`, or why not (e.g. `unavailable`, `stopped`). */
  state: string;
  frames_per_second: number;
  frames: number;
  malformed: number;
  dropped: number;
}

/**
 * Whether the database takes writes. `disk_full`: its file system has no room; `failing`: an
 * I/O error or a damaged file. While it is not `ok`, counting and publishing go on from memory.
 */
export interface StoreHealth {
  state: 'ok' | 'disk_full' | 'failing';
  /** The last write error while it is not ok; null when ok. */
  error: string | null;
  /** When it stopped being ok; null when ok. */
  since: string | null;
  /** Finished reports kept in memory because they could not be written yet. */
  reports_in_memory: number;
  /** Rows of the outbox that cannot be read (a damaged page), passed over. */
  unreadable_reports: number;
}

/** Topic `health`, QoS 1, retained. */
export interface HealthPayload {
  schema: typeof HEALTH_SCHEMA;
  sensor: string;
  time: string;
  uptime_seconds: number;
  sources: Partial<Record<'wifi' | 'ble', SourceHealth>>;
  outbox_depth: number;
  /** When the broker last acknowledged a report; null before the first. */
  last_publish: string | null;
  /** Whether the clock is synchronized, how often it jumped, and frames not counted while it was not. */
  clock: { synced: boolean; steps: number; held_back_frames: number };
  store: StoreHealth;
  versions: Record<string, string>;
}

/**
 * Topic `privacy`, QoS 1, retained: what the sensor does with what it hears, in machine form
 * (the same facts as `footfall privacy notice`). Sent at start and when the config changes.
 */
export interface PrivacyPayload {
  schema: typeof PRIVACY_SCHEMA;
  sensor: string;
  /** Pseudonyms last at most this long: the window's key is destroyed at its end. */
  window_minutes: number;
  /** Bits kept of each keyed hash of an address. */
  token_bits: number;
  /** Where the window keys live: a tmpfs (never persistent storage), destroyed at the window's end. */
  key_storage: { medium: 'tmpfs'; destroyed: 'at the end of each window' };
  /** The fields of the reports, by topic: counts only, never anything per device. */
  published: Record<'report' | 'live', string[]>;
  /** How many addresses and vendor prefixes are never counted (`capture.ignore`); never which. */
  ignored_entries: number;
  /** Counts below this are published as 0 (0: none are suppressed). */
  min_count: number;
  /** Whom to ask; null when the venue gave no one. */
  contact: string | null;
  /** footfall's version. */
  version: string;
}

export type TopicName = 'status' | 'report' | 'live' | 'health' | 'privacy';

export function topicFor(prefix: string, sensor: string, name: TopicName): string {
  return `${prefix}/${sensor}/${name}`;
}
