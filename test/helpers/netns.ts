/**
 * A network namespace joined to the test's own by a veth pair, for live capture tests: frames
 * injected on the outer end arrive on the inner one, where a process started inside the
 * namespace captures them. IPv6 is off on both ends, so nothing but the test's frames crosses
 * the pair: the interfaces are quiet unless a test sends something.
 *
 * Needs root. Namespaces are removed by remove(), and at the latest when the test process exits.
 */
import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { LivePcap } from '../../src/capture/libpcap.js';

const execFileAsync = promisify(execFile);

export interface Netns {
  readonly name: string;
  /** The veth end in the test's namespace: inject here. */
  readonly outer: string;
  /** Its peer inside the namespace: capture here. */
  readonly inner: string;
  /** Starts `args` inside the namespace (the child is the command itself: signals reach it). */
  exec(args: readonly string[], options?: SpawnOptions): ChildProcess;
  /** Runs `args` inside the namespace to its end; resolves with stdout, rejects on failure. */
  run(args: readonly string[]): Promise<string>;
  /** Removes the namespace and the veth pair; safe to call more than once. */
  remove(): Promise<void>;
}

const namespaces = new Set<string>();
let created = 0;

function removeLeftovers(): void {
  for (const name of namespaces) {
    try {
      execFileSync('ip', ['netns', 'delete', name], { stdio: 'ignore' });
    } catch {
      // Already gone.
    }
  }
}

/** Why namespaces cannot be made here, for a test's skip message; undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, raw capture)';
  const probe = `footfall-probe-${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'delete', probe], { stdio: 'ignore' });
  } catch {
    return '`ip netns add` does not work here';
  }
  return undefined;
}

async function ip(args: readonly string[]): Promise<string> {
  return (await execFileAsync('ip', args)).stdout;
}

function disableIpv6(name: string): void {
  const path = `/proc/sys/net/ipv6/conf/${name}/disable_ipv6`;
  if (fs.existsSync(path)) fs.writeFileSync(path, '1');
}

/** A new namespace with a veth pair, both ends up. */
export async function createNetns(): Promise<Netns> {
  const id = `${process.pid.toString(36)}x${(created++).toString(36)}`;
  const name = `footfall-test-${id}`;
  const outer = `ffo${id}`;
  const inner = `ffi${id}`;
  if (outer.length > 15) throw new Error(`interface name ${outer} is too long`);
  if (namespaces.size === 0) process.once('exit', removeLeftovers);
  await ip(['netns', 'add', name]);
  namespaces.add(name);

  const run = async (args: readonly string[]) => (await execFileAsync('ip', ['netns', 'exec', name, ...args])).stdout;
  const remove = async () => {
    if (!namespaces.delete(name)) return;
    // Deleting the namespace destroys the inner end and with it the pair.
    await ip(['netns', 'delete', name]).catch(() => {});
    await ip(['link', 'delete', outer]).catch(() => {});
  };
  try {
    // Interfaces made inside the namespace from now on (the inner end, and any a test makes there) start without IPv6.
    await run(['sysctl', '-q', '-w', 'net.ipv6.conf.default.disable_ipv6=1', 'net.ipv6.conf.all.disable_ipv6=1']).catch(() => {});
    await ip(['link', 'add', outer, 'type', 'veth', 'peer', 'name', inner, 'netns', name]);
    disableIpv6(outer);
    await ip(['link', 'set', outer, 'up']);
    await ip(['-n', name, 'link', 'set', inner, 'up']);
  } catch (error) {
    await remove();
    throw error;
  }
  return {
    name,
    outer,
    inner,
    exec: (args, options = {}) => spawn('ip', ['netns', 'exec', name, ...args], options),
    run,
    remove,
  };
}

export interface Injector {
  /** Sends one frame, link-layer header included, out of the interface. */
  send(frame: Uint8Array): void;
  close(): void;
}

/** Sends frames out of `iface` through libpcap's inject. */
export function injector(iface: string): Injector {
  const pcap = new LivePcap({ interface: iface, filter: '', bufferKb: 64, onWarning: () => {} });
  pcap.open();
  return { send: (frame) => pcap.inject(frame), close: () => pcap.close() };
}
