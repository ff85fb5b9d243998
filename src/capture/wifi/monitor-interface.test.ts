import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, silentLogger, type Logger } from '../../log/logger.js';
import { CommandError, type CommandRunner } from './commands.js';
import { MonitorInterface, MonitorInterfaceError, parseIwInfo, type MonitorInterfaceOptions } from './monitor-interface.js';

/** iw and ip as far as MonitorInterface uses them, on interfaces that exist only here. */
class ScriptedCommands {
  readonly calls: string[] = [];
  readonly interfaces = new Map<string, { type: string; wiphy: number }>([['wlan1', { type: 'managed', wiphy: 0 }]]);
  /** Command lines that fail, with the command's own message. */
  readonly failures = new Map<string, string>();
  /** How long `set channel` takes. */
  channelDelayMs = 0;
  inFlight = 0;
  mostInFlight = 0;

  readonly run: CommandRunner = async (command, args) => {
    const line = [command, ...args].join(' ');
    this.calls.push(line);
    this.inFlight++;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    try {
      return await this.answer(line, command, args);
    } finally {
      this.inFlight--;
    }
  };

  private async answer(line: string, command: string, args: readonly string[]): Promise<string> {
    const failure = this.failures.get(line);
    if (failure !== undefined) throw new CommandError(line, failure);
    if (command === 'ip') return '';
    const [, name, verb, ...rest] = args;
    const known = this.interfaces.get(name!);
    if (!known) throw new CommandError(line, 'command failed: No such device (-19)');
    if (verb === 'info') return `Interface ${name}\n\tifindex 4\n\taddr 02:11:22:33:44:55\n\ttype ${known.type}\n\twiphy ${known.wiphy}\n`;
    if (verb === 'interface') this.interfaces.set(rest[1]!, { type: 'monitor', wiphy: known.wiphy });
    if (verb === 'del') this.interfaces.delete(name!);
    if (verb === 'set' && this.channelDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.channelDelayMs));
    return '';
  }
}

interface LogLine {
  level: string;
  line: string;
}

function recordingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = createLogger({ level: 'debug', journald: false, write: (line) => lines.push({ level: line.split(/\s+/)[1]!, line }) });
  return { logger, lines };
}

function monitor(commands: ScriptedCommands, options: Partial<MonitorInterfaceOptions> = {}): MonitorInterface {
  return new MonitorInterface({
    interface: 'wlan1',
    createMonitor: true,
    monitorInterface: 'ffmon0',
    channels: [6],
    hopMs: 500,
    logger: silentLogger,
    runCommand: commands.run,
    ...options,
  });
}

async function startFailure(subject: MonitorInterface): Promise<MonitorInterfaceError> {
  const error = await subject.start().then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(MonitorInterfaceError);
  return error as MonitorInterfaceError;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('MonitorInterface', () => {
  it('makes a monitor interface, brings it up, tunes it, and removes it on stop', async () => {
    const commands = new ScriptedCommands();
    const subject = monitor(commands);
    expect(await subject.start()).toBe('ffmon0');
    expect(commands.calls).toEqual([
      'iw dev wlan1 info',
      'iw dev ffmon0 info',
      'iw dev wlan1 interface add ffmon0 type monitor',
      'ip link set ffmon0 up',
      'iw dev ffmon0 set channel 6',
    ]);
    await subject.stop();
    await subject.stop();
    expect(commands.calls.slice(5)).toEqual(['iw dev ffmon0 del']);
    expect(commands.interfaces.has('ffmon0')).toBe(false);
  });

  it('does nothing to an interface without create_monitor and without a channel plan', async () => {
    const commands = new ScriptedCommands();
    const subject = monitor(commands, { createMonitor: false, interface: 'wlan0', channels: [] });
    expect(await subject.start()).toBe('wlan0');
    await subject.stop();
    expect(commands.calls).toEqual([]);
  });

  it('tunes an interface already in monitor mode, and leaves it in place on stop', async () => {
    const commands = new ScriptedCommands();
    commands.interfaces.set('mon0', { type: 'monitor', wiphy: 1 });
    const subject = monitor(commands, { createMonitor: false, interface: 'mon0', channels: [11] });
    expect(await subject.start()).toBe('mon0');
    await subject.stop();
    expect(commands.calls).toEqual(['iw dev mon0 info', 'iw dev mon0 set channel 11']);
  });

  it('refuses a channel plan on an interface that is not in monitor mode, saying how to fix it', async () => {
    const commands = new ScriptedCommands();
    const error = await startFailure(monitor(commands, { createMonitor: false, channels: [1, 6] }));
    expect(error.exitCode).toBe(78);
    expect(error.message).toBe(
      'wlan1 is a managed interface, not a monitor one; set capture.wifi.create_monitor: true, or put it in monitor mode (ip link set wlan1 down; iw dev wlan1 set type monitor; ip link set wlan1 up)',
    );
    expect(commands.calls).toEqual(['iw dev wlan1 info']);
  });

  it('reuses a monitor interface of the same radio that a crashed run left, and removes it on stop', async () => {
    const commands = new ScriptedCommands();
    commands.interfaces.set('ffmon0', { type: 'monitor', wiphy: 0 });
    const subject = monitor(commands);
    expect(await subject.start()).toBe('ffmon0');
    await subject.stop();
    expect(commands.calls).toEqual(['iw dev wlan1 info', 'iw dev ffmon0 info', 'ip link set ffmon0 up', 'iw dev ffmon0 set channel 6', 'iw dev ffmon0 del']);
  });

  it('leaves alone an interface with the monitor name that is not a monitor of the same radio', async () => {
    const commands = new ScriptedCommands();
    commands.interfaces.set('ffmon0', { type: 'managed', wiphy: 3 });
    const subject = monitor(commands);
    const error = await startFailure(subject);
    expect(error.exitCode).toBe(78);
    expect(error.message).toBe(
      "cannot make monitor interface ffmon0 from wlan1: ffmon0 already exists and is not a monitor interface of wlan1's radio (it is a managed interface on phy3); remove it or choose another capture.wifi.monitor_interface",
    );
    await subject.stop();
    expect(commands.calls).toEqual(['iw dev wlan1 info', 'iw dev ffmon0 info']);
    expect(commands.interfaces.has('ffmon0')).toBe(true);
  });

  it('refuses a monitor name equal to the adapter name before running anything', async () => {
    const commands = new ScriptedCommands();
    const error = await startFailure(monitor(commands, { monitorInterface: 'wlan1' }));
    expect(error.exitCode).toBe(78);
    expect(commands.calls).toEqual([]);
  });

  it('removes the monitor interface it made when a later step fails, and names the command and its message', async () => {
    const commands = new ScriptedCommands();
    commands.failures.set('ip link set ffmon0 up', 'RTNETLINK answers: Operation not possible due to RF-kill');
    const error = await startFailure(monitor(commands));
    expect(error.exitCode).toBe(69);
    expect(error.message).toBe(
      'cannot make monitor interface ffmon0 from wlan1: `ip link set ffmon0 up` failed: RTNETLINK answers: Operation not possible due to RF-kill',
    );
    expect(commands.calls.at(-1)).toBe('iw dev ffmon0 del');
    expect(commands.interfaces.has('ffmon0')).toBe(false);
  });

  it('says which adapter is missing, with iw’s message', async () => {
    const commands = new ScriptedCommands();
    const error = await startFailure(monitor(commands, { interface: 'wlan9' }));
    expect(error.message).toBe(
      'cannot make monitor interface ffmon0 from wlan9: `iw dev wlan9 info` failed: command failed: No such device (-19); it is not a wireless interface, or does not exist (iw dev lists them)',
    );
  });

  it('exits 77 with a hint when iw is not permitted', async () => {
    const commands = new ScriptedCommands();
    commands.failures.set('iw dev wlan1 interface add ffmon0 type monitor', 'command failed: Operation not permitted (-1)');
    const error = await startFailure(monitor(commands));
    expect(error.exitCode).toBe(77);
    expect(error.message).toMatch(/`iw dev wlan1 interface add ffmon0 type monitor` failed: command failed: Operation not permitted \(-1\); run footfall as root/);
  });

  it('says how to install iw when it is not on PATH', async () => {
    const subject = monitor(new ScriptedCommands(), {
      runCommand: async (command, args) => {
        throw new CommandError([command, ...args].join(' '), `${command} was not found on PATH`, true);
      },
    });
    const error = await startFailure(subject);
    expect(error.exitCode).toBe(69);
    expect(error.message).toBe('cannot make monitor interface ffmon0 from wlan1: iw was not found on PATH; install it (apt-get install iw)');
  });

  it('hops through the plan in order, every hop_ms', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const commands = new ScriptedCommands();
    const subject = monitor(commands, { channels: [1, 6, 11], hopMs: 500 });
    await subject.start();
    const channels = () => commands.calls.filter((call) => call.includes('set channel')).map((call) => Number(call.split(' ').at(-1)));
    expect(channels()).toEqual([1]);
    await vi.advanceTimersByTimeAsync(499);
    expect(channels()).toEqual([1]);
    await vi.advanceTimersByTimeAsync(1);
    expect(channels()).toEqual([1, 6]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(channels()).toEqual([1, 6, 11, 1, 6, 11]);
    await subject.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(channels()).toHaveLength(6);
    expect(commands.calls.at(-1)).toBe('iw dev ffmon0 del');
  });

  it('never starts a hop before the previous one ended, and stop waits for the one in progress', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const commands = new ScriptedCommands();
    const subject = monitor(commands, { channels: [1, 6], hopMs: 100 });
    const started = subject.start();
    await vi.advanceTimersByTimeAsync(0);
    commands.channelDelayMs = 350;
    await started;
    await vi.advanceTimersByTimeAsync(1000);
    expect(commands.mostInFlight).toBe(1);
    // Hops of 350 ms, one after the other from 100 ms on: 6 at 100, 1 at 450, 6 at 800.
    expect(commands.calls.filter((call) => call.includes('set channel'))).toHaveLength(4);
    expect(commands.inFlight).toBe(1);
    let stopped = false;
    const stopping = subject.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(250);
    await stopping;
    expect(commands.calls.at(-1)).toBe('iw dev ffmon0 del');
    expect(commands.mostInFlight).toBe(1);
  });

  it('logs a failing channel once, keeps hopping, and says when it works again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const commands = new ScriptedCommands();
    const { logger, lines } = recordingLogger();
    commands.failures.set('iw dev ffmon0 set channel 13', 'command failed: Invalid argument (-22)');
    const subject = monitor(commands, { channels: [1, 13], hopMs: 100, logger });
    await subject.start();
    await vi.advanceTimersByTimeAsync(1000);
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.line).toContain('channel=13');
    expect(warnings[0]!.line).toContain('`iw dev ffmon0 set channel 13` failed: command failed: Invalid argument (-22)');
    expect(commands.calls.filter((call) => call.endsWith('set channel 1')).length).toBeGreaterThanOrEqual(5);
    commands.failures.clear();
    await vi.advanceTimersByTimeAsync(200);
    expect(lines.filter((l) => l.line.includes('works again'))).toHaveLength(1);
    await subject.stop();
  });

  it('stopped while starting, it removes what it made and never hops', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const commands = new ScriptedCommands();
    const subject = monitor(commands, { channels: [1, 6, 11], hopMs: 100 });
    const started = subject.start();
    const stopped = subject.stop();
    expect(await started).toBe('ffmon0');
    await stopped;
    await vi.advanceTimersByTimeAsync(1000);
    expect(commands.calls.filter((call) => call.includes('set channel'))).toEqual(['iw dev ffmon0 set channel 1']);
    expect(commands.calls.at(-1)).toBe('iw dev ffmon0 del');
  });

  it('never puts a hardware address in a log line', async () => {
    const commands = new ScriptedCommands();
    const { logger, lines } = recordingLogger();
    const subject = monitor(commands, { logger });
    await subject.start();
    await subject.stop();
    expect(lines.length).toBeGreaterThan(0);
    for (const { line } of lines) expect(line).not.toMatch(/[0-9a-f]{2}(:[0-9a-f]{2}){5}/i);
  });
});

describe('MonitorInterface with iw from PATH', () => {
  it('hops through one shell, not a fork of this process each, and ends the shell on stop', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-iw-'));
    const callLog = path.join(dir, 'calls');
    // An iw that notes who ran it: this process, or the shell that runs the hops.
    fs.writeFileSync(path.join(dir, 'iw'), `#!/bin/sh\necho "$PPID $*" >> ${callLog}\ncase "$*" in *info) printf 'type monitor\\nwiphy 0\\n';; esac\n`, { mode: 0o755 });
    const calls = () => fs.readFileSync(callLog, 'utf8').trim().split('\n').map((line) => line.split(' '));
    const pathBefore = process.env.PATH;
    process.env.PATH = `${dir}:${pathBefore}`;
    try {
      const subject = new MonitorInterface({ interface: 'mon0', createMonitor: false, monitorInterface: 'ffmon0', channels: [1, 6, 11], hopMs: 20, logger: silentLogger });
      await subject.start();
      await vi.waitFor(() => expect(calls().length).toBeGreaterThanOrEqual(6), { timeout: 5000 });
      await subject.stop();
      const [info, tune, ...hops] = calls();
      expect([info, tune]).toEqual([
        [String(process.pid), 'dev', 'mon0', 'info'],
        [String(process.pid), 'dev', 'mon0', 'set', 'channel', '1'],
      ]);
      const shellPid = hops[0]![0]!;
      expect(shellPid).not.toBe(String(process.pid));
      expect(hops.map(([pid, ...args]) => [pid, args.at(-1)])).toEqual(hops.map((_, i) => [shellPid, String([6, 11, 1][i % 3])]));
      expect(fs.existsSync(`/proc/${shellPid}`)).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(calls()).toHaveLength(hops.length + 2);
    } finally {
      process.env.PATH = pathBefore;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseIwInfo', () => {
  it('reads the type and the radio', () => {
    expect(parseIwInfo('Interface wlan1\n\tifindex 3\n\twdev 0x1\n\ttype monitor\n\twiphy 2\n\ttxpower 20.00 dBm\n')).toEqual({ type: 'monitor', wiphy: 2 });
    expect(parseIwInfo('Interface x\n')).toEqual({ type: 'unknown', wiphy: undefined });
  });
});
