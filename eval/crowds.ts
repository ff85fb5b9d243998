/**
 * Labelled crowds: one-device captures mixed into a crowd of k devices whose truth is k. Each
 * member is a 25-minute stretch of one capture, shifted to start in the first half of one UTC
 * hour, so the whole crowd falls in one report window; the members are merged in time order into
 * one capture file that the sensor replays.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sniffWifiCaptureFile, EX_DATAERR, EX_NOINPUT, CaptureFileError } from '../src/capture/capture-file.js';
import { SNAP_LENGTH } from '../src/capture/packet-reader.js';
import { PcapBatchReader } from '../src/capture/pcap-batch-reader.js';
import { PcapWriter, fileSink } from '../src/sim/pcap-writer.js';
import { Random, type Seed } from '../src/sim/random.js';

/** How much of a capture one crowd member contributes. */
export const MEMBER_MS = 25 * 60_000;
/** Members start in the first half of the crowd's hour. */
const START_SPREAD_MS = 30 * 60_000;
/** The UTC hour every crowd is shifted into (each crowd is replayed on its own). */
export const CROWD_HOUR_MS = Date.UTC(2026, 0, 12, 10);

export interface CapturedFrame {
  /** ms since the epoch, microseconds as the fraction. */
  timeMs: number;
  bytes: Buffer;
  originalLength: number;
}

/** One capture of one device, its frames in time order. */
export interface CrowdSession {
  /** The file, as named in the figures. */
  label: string;
  linkType: number;
  frames: CapturedFrame[];
}

export interface CrowdDevice {
  name: string;
  sessions: CrowdSession[];
}

const CAPTURE_FILE = /\.(pcap|pcapng)$/;

/**
 * The devices of a folder: each subfolder is one device with its sessions (`DIR/<device>/*.pcap`),
 * each capture directly in it a device of one session (`DIR/*.pcap`).
 */
export function findCrowdFiles(dir: string): { name: string; files: string[] }[] {
  const devices: { name: string; files: string[] }[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const files = fs.readdirSync(full).filter((f) => CAPTURE_FILE.test(f)).sort().map((f) => path.join(full, f));
      if (files.length > 0) devices.push({ name: entry.name, files });
    } else if (CAPTURE_FILE.test(entry.name)) {
      devices.push({ name: entry.name.replace(CAPTURE_FILE, ''), files: [full] });
    }
  }
  return devices;
}

/** Every frame of a Wi-Fi capture file, in time order, through the sensor's own reader. */
export function readCapture(file: string): { linkType: number; frames: CapturedFrame[] } {
  sniffWifiCaptureFile(file);
  const reader = new PcapBatchReader(file, '', SNAP_LENGTH);
  const frames: CapturedFrame[] = [];
  try {
    for (let batch = reader.read(); batch !== null; batch = reader.read()) {
      while (batch.next()) {
        frames.push({
          timeMs: batch.timeMs,
          bytes: Buffer.from(batch.bytes.subarray(batch.start, batch.start + batch.capturedLength)),
          originalLength: batch.originalLength,
        });
      }
    }
  } finally {
    reader.close();
  }
  frames.sort((a, b) => a.timeMs - b.timeMs);
  return { linkType: reader.linkType, frames };
}

/** Reads every device's sessions; refuses a folder without frames or of mixed link types (they cannot share one file). */
export function loadCrowdDevices(dir: string): CrowdDevice[] {
  const devices = findCrowdFiles(dir).map(({ name, files }) => ({
    name,
    sessions: files.map((file) => ({ label: path.relative(dir, file), ...readCapture(file) })).filter((s) => s.frames.length > 0),
  }));
  const usable = devices.filter((device) => device.sessions.length > 0);
  if (usable.length === 0) throw new CaptureFileError(`${dir}: no Wi-Fi capture with frames, as DIR/<device>/*.pcap or DIR/*.pcap`, EX_NOINPUT);
  const sessions = usable.flatMap((device) => device.sessions);
  const other = sessions.find((session) => session.linkType !== sessions[0]!.linkType);
  if (other !== undefined) {
    throw new CaptureFileError(
      `${dir}: ${sessions[0]!.label} has link type ${sessions[0]!.linkType} and ${other.label} ${other.linkType}: crowds are merged into one capture, so give captures of one link type`,
      EX_DATAERR,
    );
  }
  return usable;
}

/** One member of a crowd: which capture, which stretch of it, and where it was moved. */
export interface CrowdMember {
  device: string;
  session: string;
  /** The stretch taken, in the capture's own time: [cutStartMs, cutStartMs + MEMBER_MS). */
  cutStartMs: number;
  /** Added to every frame's time. */
  shiftMs: number;
  /**
   * XORed into the last five octets of every source address of the member, so that two members
   * drawn from one capture are two phones of one model (same elements and timing, their own
   * addresses) rather than one; the first octet, with its locally-administered and group bits,
   * stays.
   */
  addressMask: number[];
  frames: number;
}

export interface Crowd {
  /** The number of devices drawn: the truth. */
  k: number;
  members: CrowdMember[];
}

/**
 * A random stretch of MEMBER_MS that holds frames (a shorter capture whole): a frame drawn at
 * random, and a start that keeps it inside the stretch and the stretch inside the capture. A
 * capture with a long gap therefore never gives an empty stretch.
 */
function cutStart(frames: readonly CapturedFrame[], rng: Random): number {
  const first = frames[0]!.timeMs;
  const last = frames.at(-1)!.timeMs;
  if (last - first < MEMBER_MS) return first;
  const anchor = frames[rng.int(0, frames.length - 1)]!.timeMs;
  const earliest = Math.max(first, anchor - MEMBER_MS);
  const latest = Math.min(anchor, last - MEMBER_MS);
  return rng.uniform(earliest, latest);
}

function framesIn(frames: readonly CapturedFrame[], startMs: number): CapturedFrame[] {
  return frames.filter((frame) => frame.timeMs >= startMs && frame.timeMs < startMs + MEMBER_MS);
}

/**
 * Draws crowd number `index` of k devices, with replacement: a device drawn again takes a
 * session it has not given yet where it has several, else the same session with another cut.
 * The same seed, k and index always draw the same crowd.
 */
export function drawCrowd(devices: readonly CrowdDevice[], k: number, seed: Seed, index: number): Crowd {
  const rng = new Random(seed, k, index);
  const used = new Map<string, Set<number>>();
  const members: CrowdMember[] = [];
  for (let i = 0; i < k; i++) {
    const device = rng.pick(devices);
    const taken = used.get(device.name) ?? new Set<number>();
    used.set(device.name, taken);
    const fresh = device.sessions.map((_, s) => s).filter((s) => !taken.has(s));
    const sessionIndex = fresh.length > 0 ? rng.pick(fresh) : rng.int(0, device.sessions.length - 1);
    taken.add(sessionIndex);
    const session = device.sessions[sessionIndex]!;
    const start = cutStart(session.frames, rng);
    const shiftMs = CROWD_HOUR_MS + rng.int(0, START_SPREAD_MS - 1) - Math.floor(start);
    const addressMask = Array.from({ length: 5 }, () => rng.int(0, 255));
    members.push({ device: device.name, session: session.label, cutStartMs: start, shiftMs, addressMask, frames: framesIn(session.frames, start).length });
  }
  return { k, members };
}

const LINKTYPE_IEEE802_11 = 105;
const LINKTYPE_IEEE802_11_RADIOTAP = 127;
/** Where the source address (addr2) starts in an 802.11 header. */
const ADDR2_OFFSET = 10;

/** Where the 802.11 header starts in a frame of `linkType`. */
function headerOffset(linkType: number, bytes: Buffer): number {
  if (linkType === LINKTYPE_IEEE802_11) return 0;
  if (linkType === LINKTYPE_IEEE802_11_RADIOTAP) return bytes.readUInt16LE(2);
  throw new CaptureFileError(`crowds are made of radiotap (127) or plain 802.11 (105) captures, not of link type ${linkType}`, EX_DATAERR);
}

/** A copy of the frame whose source address has the member's mask applied. */
function withMaskedSource(linkType: number, frame: CapturedFrame, mask: readonly number[]): Buffer {
  const bytes = Buffer.from(frame.bytes);
  const first = headerOffset(linkType, bytes) + ADDR2_OFFSET + 1;
  for (let i = 0; i < mask.length && first + i < bytes.length; i++) bytes[first + i]! ^= mask[i]!;
  return bytes;
}

/** The crowd's frames, shifted, each member's addresses its own, merged in time order. */
export function crowdFrames(devices: readonly CrowdDevice[], crowd: Crowd): CapturedFrame[] {
  const merged: CapturedFrame[] = [];
  for (const member of crowd.members) {
    const session = devices.find((d) => d.name === member.device)!.sessions.find((s) => s.label === member.session)!;
    for (const frame of framesIn(session.frames, member.cutStartMs)) {
      merged.push({ ...frame, timeMs: frame.timeMs + member.shiftMs, bytes: withMaskedSource(session.linkType, frame, member.addressMask) });
    }
  }
  return merged.sort((a, b) => a.timeMs - b.timeMs);
}

/** Writes the crowd as one pcap of the devices' link type. */
export function writeCrowd(file: string, devices: readonly CrowdDevice[], crowd: Crowd): void {
  const writer = new PcapWriter(fileSink(file), { linkType: devices[0]!.sessions[0]!.linkType, snapLength: SNAP_LENGTH });
  try {
    for (const frame of crowdFrames(devices, crowd)) writer.write(frame.timeMs, frame.bytes, frame.originalLength);
  } finally {
    writer.close();
  }
}
