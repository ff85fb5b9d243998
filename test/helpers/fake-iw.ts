/**
 * A fake `iw` for tests on a kernel without Wi-Fi: a small node script in a temporary bin
 * directory, to put first on PATH. It appends every call to a log (one JSON line: argv and
 * time) and emulates what footfall uses, on real interfaces where that matters:
 *
 * - `iw dev X info` answers with X's type and radio from a state directory, or fails like iw
 *   does for an interface that is not wireless;
 * - `iw dev X interface add M type monitor` makes M a real interface: one end of a veth pair
 *   whose other end (see peerOf) is up, so frames injected there arrive on M. IPv6 is off on
 *   both, so M is quiet unless a test sends something;
 * - `iw dev M del` deletes the pair; `iw dev M set channel N` records the channel.
 *
 * Interfaces are made in the network namespace of whoever runs iw. failWhen() makes chosen
 * calls fail with iw's wording.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface FakeIwCall {
  argv: string[];
  /** When the call began, in ms since the epoch. */
  timeMs: number;
}

export interface FakeIwOptions {
  /** The wireless interfaces iw knows at first, by type; they need not exist as real interfaces. */
  interfaces?: Record<string, 'managed' | 'monitor'>;
}

export interface FakeIw {
  /** The directory that holds `iw`. */
  readonly binDir: string;
  /** PATH with the fake iw first, for a child's environment. */
  readonly path: string;
  /** Every call so far, in order. */
  calls(): FakeIwCall[];
  /** Makes every later call whose arguments begin with `args` fail with `message`, as iw prints it. */
  failWhen(args: readonly string[], message: string): void;
  /** The veth peer of a monitor interface the fake made (inject there to reach it). */
  peerOf(monitor: string): string | undefined;
  remove(): void;
}

/** The fake, as CommonJS (the file has no extension and no package.json above it). */
function script(root: string): string {
  return `#!${process.execPath}
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = ${JSON.stringify(root)};
const argv = process.argv.slice(2);
fs.appendFileSync(path.join(root, 'calls.jsonl'), JSON.stringify({ argv, timeMs: Date.now() }) + '\\n');

// iw prints "command failed: <strerror> (<-errno>)" and exits with the errno's low byte.
function fail(message) {
  process.stderr.write(message + '\\n');
  const errno = /\\((-\\d+)\\)$/.exec(message);
  process.exit(errno ? (256 + Number(errno[1])) & 0xff : 1);
}
const statePath = (name) => path.join(root, 'state', name + '.json');
function load(name) {
  try {
    return JSON.parse(fs.readFileSync(statePath(name), 'utf8'));
  } catch {
    return undefined;
  }
}
const save = (name, state) => fs.writeFileSync(statePath(name), JSON.stringify(state));
const ip = (...args) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'inherit'] });
function quiet(name) {
  const file = '/proc/sys/net/ipv6/conf/' + name + '/disable_ipv6';
  if (fs.existsSync(file)) fs.writeFileSync(file, '1');
}

for (const failure of JSON.parse(fs.readFileSync(path.join(root, 'failures.json'), 'utf8'))) {
  if (failure.args.every((arg, i) => argv[i] === arg)) fail(failure.message);
}

const [dev, name, command, ...rest] = argv;
const state = dev === 'dev' && name !== undefined ? load(name) : undefined;
if (dev === 'dev' && name !== undefined && state === undefined) fail('command failed: No such device (-19)');
if (command === 'info' && rest.length === 0) {
  process.stdout.write('Interface ' + name + '\\n\\tifindex 7\\n\\twdev 0x1\\n\\ttype ' + state.type + '\\n\\twiphy ' + state.wiphy + '\\n');
} else if (command === 'interface' && rest.length === 4 && rest[0] === 'add' && rest[2] === 'type' && rest[3] === 'monitor') {
  const monitor = rest[1];
  if (load(monitor) !== undefined || fs.existsSync('/sys/class/net/' + monitor)) fail('command failed: Too many open files in system (-23)');
  const peer = monitor.slice(0, 14) + 'p';
  ip('link', 'add', monitor, 'type', 'veth', 'peer', 'name', peer);
  quiet(monitor);
  quiet(peer);
  ip('link', 'set', peer, 'up');
  save(monitor, { type: 'monitor', wiphy: state.wiphy, peer });
} else if (command === 'del' && rest.length === 0) {
  if (state.peer !== undefined) ip('link', 'delete', name);
  fs.rmSync(statePath(name));
} else if (command === 'set' && rest.length === 2 && rest[0] === 'channel') {
  save(name, { ...state, channel: Number(rest[1]) });
} else {
  fail('fake iw does not emulate: iw ' + argv.join(' '));
}
`;
}

export function installFakeIw(options: FakeIwOptions = {}): FakeIw {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-fake-iw-'));
  const binDir = path.join(root, 'bin');
  fs.mkdirSync(binDir);
  fs.mkdirSync(path.join(root, 'state'));
  fs.writeFileSync(path.join(root, 'calls.jsonl'), '');
  const failures: Array<{ args: string[]; message: string }> = [];
  const writeFailures = () => fs.writeFileSync(path.join(root, 'failures.json'), JSON.stringify(failures));
  writeFailures();
  Object.entries(options.interfaces ?? {}).forEach(([name, type], wiphy) => {
    fs.writeFileSync(path.join(root, 'state', `${name}.json`), JSON.stringify({ type, wiphy }));
  });
  fs.writeFileSync(path.join(binDir, 'iw'), script(root), { mode: 0o755 });

  return {
    binDir,
    path: `${binDir}${path.delimiter}${process.env.PATH ?? ''}`,
    calls: () =>
      fs
        .readFileSync(path.join(root, 'calls.jsonl'), 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as FakeIwCall),
    failWhen: (args, message) => {
      failures.push({ args: [...args], message });
      writeFailures();
    },
    peerOf: (monitor) => {
      try {
        return (JSON.parse(fs.readFileSync(path.join(root, 'state', `${monitor}.json`), 'utf8')) as { peer?: string }).peer;
      } catch {
        return undefined;
      }
    },
    remove: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}
