/**
 * What a radio pseudo-header (radiotap, Prism, AVS) says about the frame that follows it.
 * The frame dispatcher reuses one of these for every frame, so parsers reset every field.
 */
export interface RadioHeader {
  /** Bytes before the 802.11 frame. */
  length: number;
  /** Received signal in dBm; NaN when the header does not carry it. */
  rssi: number;
  /** Channel centre frequency in MHz; 0 when unknown. */
  channel: number;
  /** The header says the frame ends with its 4-byte FCS. */
  fcsAtEnd: boolean;
  /** The driver says the frame failed its FCS check. */
  fcsFlaggedBad: boolean;
}

export function emptyRadioHeader(): RadioHeader {
  return { length: 0, rssi: Number.NaN, channel: 0, fcsAtEnd: false, fcsFlaggedBad: false };
}

export function resetRadioHeader(radio: RadioHeader): void {
  radio.length = 0;
  radio.rssi = Number.NaN;
  radio.channel = 0;
  radio.fcsAtEnd = false;
  radio.fcsFlaggedBad = false;
}

/**
 * Channel number to centre frequency in MHz (2.4 GHz, 5 GHz and the Japanese 4.9 GHz channels:
 * what Prism and AVS drivers report). A value that already looks like MHz passes through.
 * Unknown numbers give 0.
 */
export function channelToMhz(channel: number): number {
  if (channel >= 1 && channel <= 13) return 2407 + 5 * channel;
  if (channel === 14) return 2484;
  if (channel >= 32 && channel <= 177) return 5000 + 5 * channel;
  if (channel >= 182 && channel <= 196) return 4000 + 5 * channel;
  if (channel >= 2400 && channel <= 7125) return channel;
  return 0;
}

/**
 * Prism and AVS drivers put either dBm or a vendor-scaled RSSI into their signal fields;
 * only a negative value in the range receivers report can be read as dBm.
 */
export function isPlausibleDbm(value: number): boolean {
  return value >= -120 && value <= -1;
}
