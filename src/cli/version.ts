/** footfall's own version, from its package.json, and the versions of what it runs on. */
import fs from 'node:fs';
import { libpcapVersion } from '../capture/pcap-batch-reader.js';

export const FOOTFALL_VERSION: string = (
  JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** For the health topic: footfall, Node.js and libpcap (the database adds SQLite's). */
export function softwareVersions(): Record<string, string> {
  const libpcap = /([\d.]+)/.exec(libpcapVersion())?.[1] ?? libpcapVersion();
  return { footfall: FOOTFALL_VERSION, node: process.versions.node, libpcap };
}
