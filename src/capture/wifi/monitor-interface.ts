/**
 * The monitor interface and the channel plan, through the `iw` and `ip` commands on PATH.
 *
 * With create_monitor, start() makes a monitor interface on the adapter's radio and stop()
 * removes it; one that a crashed run left behind is reused if it is a monitor interface of the
 * same radio, and refused otherwise (it may be someone else's). Without create_monitor the
 * interface must already be in monitor mode. The channel plan sets one channel once, or hops
 * through several; an empty plan leaves the channel alone. The hops, twice a second by default,
 * go through a CommandShell; the few other commands are run from this process.
 */
import type { Logger } from '../../log/logger.js';
import { CommandShell } from './command-shell.js';
import { CommandError, runCommand, type CommandRunner } from './commands.js';
import { EX_CONFIG, EX_NOPERM, EX_UNAVAILABLE } from './wifi-live-source.js';

/** The monitor interface or channel plan could not be set up; one line, and an exit code. */
export class MonitorInterfaceError extends Error {
  override readonly name = 'MonitorInterfaceError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

const PACKAGE_OF: Readonly<Record<string, string>> = { iw: 'iw', ip: 'iproute2' };

/** `what` failed because a command did: the command, its own message, and a hint where one helps. */
function commandFailure(what: string, error: unknown): unknown {
  if (!(error instanceof CommandError)) return error;
  if (error.notFound) {
    const command = error.commandLine.split(' ')[0]!;
    return new MonitorInterfaceError(`${what}: ${command} was not found on PATH; install it (apt-get install ${PACKAGE_OF[command] ?? command})`, EX_UNAVAILABLE);
  }
  const { output } = error;
  let hint = '';
  if (/not permitted/i.test(output)) hint = '; run footfall as root or give it the capability CAP_NET_ADMIN';
  else if (/busy/i.test(output)) hint = '; another interface on the same radio is using it (bring it down, or keep NetworkManager and wpa_supplicant off the adapter)';
  else if (/not supported/i.test(output)) hint = "; the adapter's driver does not support this";
  else if (/no such device/i.test(output)) hint = '; it is not a wireless interface, or does not exist (iw dev lists them)';
  return new MonitorInterfaceError(`${what}: ${error.message}${hint}`, /not permitted/i.test(output) ? EX_NOPERM : EX_UNAVAILABLE);
}

interface WirelessInfo {
  /** iw's interface type: managed, monitor, AP, ... */
  type: string;
  /** The radio's index; undefined if iw did not say. */
  wiphy: number | undefined;
}

/** The interface's type and radio from `iw dev X info`. */
export function parseIwInfo(text: string): WirelessInfo {
  const wiphy = /^\s*wiphy\s+(\d+)\s*$/m.exec(text)?.[1];
  return { type: /^\s*type\s+(\S+)/m.exec(text)?.[1] ?? 'unknown', wiphy: wiphy === undefined ? undefined : Number(wiphy) };
}

export interface MonitorInterfaceOptions {
  /** Config `capture.wifi.interface`: the monitor interface, or the adapter to make one from. */
  interface: string;
  /** Config `capture.wifi.create_monitor`. */
  createMonitor: boolean;
  /** Config `capture.wifi.monitor_interface`: the name of the interface create_monitor makes. */
  monitorInterface: string;
  /** Config `capture.wifi.channels`: the channel plan. */
  channels: readonly number[];
  /** Config `capture.wifi.hop_ms`: how long to stay on each channel of a plan of several. */
  hopMs: number;
  logger: Logger;
  /** Runs iw and ip, the hops included; the default runs them from PATH. */
  runCommand?: CommandRunner;
}

export class MonitorInterface {
  private readonly run: CommandRunner;
  /** Runs the hops without forking this process each time; none when runCommand is given. */
  private readonly hopShell: CommandShell | undefined;
  private starting: Promise<string> | undefined;
  private stopping: Promise<void> | undefined;
  private stopped = false;
  /** The monitor interface is footfall's to remove (made by this run or adopted from a crashed one). */
  private ownsMonitor = false;
  private hopTimer: NodeJS.Timeout | undefined;
  /** The hop in progress, awaited by stop() so that no iw call outlives it. */
  private hopping: Promise<void> | undefined;
  /** Channels whose last hop failed; each is logged once when it starts failing. */
  private readonly failingChannels = new Set<number>();

  constructor(private readonly options: MonitorInterfaceOptions) {
    this.run = options.runCommand ?? runCommand;
    this.hopShell = options.runCommand ? undefined : new CommandShell();
  }

  /**
   * Sets up the interface and the channel plan; resolves with the interface to capture on.
   * Rejects with a MonitorInterfaceError, after removing a monitor interface it made.
   */
  start(): Promise<string> {
    if (this.starting) throw new Error('a MonitorInterface starts once');
    this.starting = this.startOnce();
    return this.starting;
  }

  private async startOnce(): Promise<string> {
    const { createMonitor, channels } = this.options;
    try {
      const captureInterface = createMonitor ? await this.makeMonitor() : this.options.interface;
      if (!createMonitor && channels.length > 0) await this.requireMonitorMode(captureInterface);
      if (channels.length > 0) {
        const tunedAtMs = performance.now();
        await this.setChannel(this.run, captureInterface, channels[0]!).catch((error: unknown) => {
          throw commandFailure(`cannot tune ${captureInterface} to channel ${channels[0]}`, error);
        });
        this.options.logger.info('channel plan', { interface: captureInterface, channels: channels.join(','), hop_ms: channels.length > 1 ? this.options.hopMs : undefined });
        if (channels.length > 1 && !this.stopped) this.scheduleHop(captureInterface, 1, tunedAtMs);
      }
      return captureInterface;
    } catch (error) {
      await this.removeMonitor();
      throw error;
    }
  }

  /** Stops hopping and removes the monitor interface footfall made; never rejects (failures are logged). */
  stop(): Promise<void> {
    this.stopping ??= this.stopOnce();
    return this.stopping;
  }

  private async stopOnce(): Promise<void> {
    this.stopped = true;
    // start() removes what it made when it fails, so only its end matters here.
    await this.starting?.catch(() => {});
    clearTimeout(this.hopTimer);
    await this.hopping;
    await this.hopShell?.close();
    await this.removeMonitor();
  }

  private iw(args: readonly string[]): Promise<string> {
    return this.run('iw', args);
  }

  private async info(name: string): Promise<WirelessInfo> {
    return parseIwInfo(await this.iw(['dev', name, 'info']));
  }

  /** The interface's info, or undefined when iw says there is no such device. */
  private async infoIfExists(name: string): Promise<WirelessInfo | undefined> {
    try {
      return await this.info(name);
    } catch (error) {
      if (error instanceof CommandError && /no such device/i.test(error.output)) return undefined;
      throw error;
    }
  }

  private async makeMonitor(): Promise<string> {
    const { interface: adapter, monitorInterface: monitor, logger } = this.options;
    const what = `cannot make monitor interface ${monitor} from ${adapter}`;
    if (monitor === adapter) {
      throw new MonitorInterfaceError(`${what}: capture.wifi.monitor_interface must differ from capture.wifi.interface`, EX_CONFIG);
    }
    try {
      const radio = await this.info(adapter);
      const existing = await this.infoIfExists(monitor);
      if (existing === undefined) {
        await this.iw(['dev', adapter, 'interface', 'add', monitor, 'type', 'monitor']);
        this.ownsMonitor = true;
        logger.info('monitor interface created', { interface: monitor, from: adapter });
      } else if (existing.type === 'monitor' && existing.wiphy === radio.wiphy) {
        this.ownsMonitor = true;
        logger.info('reusing the monitor interface an earlier run left behind', { interface: monitor, from: adapter });
      } else {
        const radioName = existing.wiphy === undefined ? 'an unknown radio' : `phy${existing.wiphy}`;
        throw new MonitorInterfaceError(
          `${what}: ${monitor} already exists and is not a monitor interface of ${adapter}'s radio (it is a ${existing.type} interface on ${radioName}); remove it or choose another capture.wifi.monitor_interface`,
          EX_CONFIG,
        );
      }
      await this.run('ip', ['link', 'set', monitor, 'up']);
    } catch (error) {
      throw commandFailure(what, error);
    }
    return monitor;
  }

  private async requireMonitorMode(name: string): Promise<void> {
    let info: WirelessInfo;
    try {
      info = await this.info(name);
    } catch (error) {
      throw commandFailure(`cannot check that ${name} is in monitor mode`, error);
    }
    if (info.type !== 'monitor') {
      throw new MonitorInterfaceError(
        `${name} is a ${info.type} interface, not a monitor one; set capture.wifi.create_monitor: true, ` +
          `or put it in monitor mode (ip link set ${name} down; iw dev ${name} set type monitor; ip link set ${name} up)`,
        EX_CONFIG,
      );
    }
  }

  private async setChannel(run: CommandRunner, name: string, channel: number): Promise<void> {
    await run('iw', ['dev', name, 'set', 'channel', String(channel)]);
  }

  /** The next hop, `hopMs` after the previous one began; a hop never starts before the last one ended. */
  private scheduleHop(name: string, index: number, previousStartMs: number): void {
    const delay = Math.max(0, previousStartMs + this.options.hopMs - performance.now());
    this.hopTimer = setTimeout(() => {
      this.hopping = this.hop(name, index).finally(() => {
        this.hopping = undefined;
      });
    }, delay);
    // Hopping alone keeps no process alive; capture does.
    this.hopTimer.unref();
  }

  private async hop(name: string, index: number): Promise<void> {
    const { channels, logger } = this.options;
    const channel = channels[index]!;
    const startMs = performance.now();
    try {
      await this.setChannel(this.hopShell?.run ?? this.run, name, channel);
      if (this.failingChannels.delete(channel)) logger.info('hopping to this channel works again', { interface: name, channel });
    } catch (error) {
      // A radio that refuses a channel (say, one its regulatory domain forbids) refuses it every
      // round: say so once, and keep hopping through the rest of the plan.
      if (!this.failingChannels.has(channel)) {
        this.failingChannels.add(channel);
        const failure = commandFailure(`cannot hop ${name} to channel ${channel}`, error);
        logger.warn('channel hop failed; hopping goes on, and this channel is not reported again until a hop to it succeeds', {
          interface: name,
          channel,
          error: failure instanceof Error ? failure.message : String(failure),
        });
      }
    }
    if (!this.stopped) this.scheduleHop(name, (index + 1) % channels.length, startMs);
  }

  private async removeMonitor(): Promise<void> {
    if (!this.ownsMonitor) return;
    this.ownsMonitor = false;
    const monitor = this.options.monitorInterface;
    try {
      await this.iw(['dev', monitor, 'del']);
      this.options.logger.info('monitor interface removed', { interface: monitor });
    } catch (error) {
      const failure = commandFailure(`cannot remove monitor interface ${monitor}`, error);
      this.options.logger.error('monitor interface not removed', { interface: monitor, error: failure instanceof Error ? failure.message : String(failure) });
    }
  }
}
