/**
 * Observation: what the rest of footfall knows of a frame. It carries a window-scoped token in
 * place of the address, the address's kind, and a tokenized signature; never the address.
 */
import type { SourceKind } from '../capture/source.js';

export type WifiAddressKind = 'global' | 'randomized';
/** BLE address kinds, from the address type and the two top bits of a random address. */
export type BleAddressKind = 'public' | 'random_static' | 'resolvable' | 'nonresolvable';
export type AddressKind = WifiAddressKind | BleAddressKind;

export interface Observation {
  source: SourceKind;
  timeMs: number;
  /** Window-scoped token of the device address. */
  token: string;
  /**
   * A small integer that names `token` while the tokenizer's cache holds it (ids are reused
   * after the cache is cleared): a fast key for the tally, checked against `token`.
   */
  tokenId: number;
  addressKind: AddressKind;
  /** Wi-Fi: the address has its group (multicast) bit set: not a valid source, so not a stable identity. */
  group: boolean;
  /** dBm; NaN when unknown. */
  rssi: number;
  channel: number;
  /** 802.11 sequence number; -1 when unknown. */
  sequence: number;
  /** Window-scoped token of the device's information-element signature; null when none. */
  signature: string | null;
}

/** Receives observations from privacy/; decides the window, so it may rotate the key first. */
export interface ObservationSink {
  /**
   * Moves the sink's clock to `timeMs` before a frame of that time is handed over; the sink may
   * close and open windows (and so change the key) here. Returns false when the frame belongs
   * to a window that is already closed, which drops it.
   */
  advanceTo(timeMs: number): boolean;
  onObservation(observation: Observation): void;
  onMalformed(source: SourceKind, timeMs: number): void;
}
