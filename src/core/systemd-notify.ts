/**
 * sd_notify for `Type=notify` units: READY=1 once the sensor runs, WATCHDOG=1 while it is
 * healthy, STOPPING=1 on the way out, STATUS= lines for `systemctl status`. Node has no unix
 * datagram sockets of its own, hence the small native `unix-dgram` module.
 */
import { createRequire } from 'node:module';
import type { Logger } from '../log/logger.js';

interface DatagramSocket {
  send(buf: Buffer, offset: number, length: number, path: string, callback: (error?: Error) => void): void;
  close(): void;
  on(event: 'error', listener: (error: Error) => void): void;
}

const unixDgram = createRequire(import.meta.url)('unix-dgram') as { createSocket(type: 'unix_dgram'): DatagramSocket };

export class SystemdNotifier {
  private readonly socket: DatagramSocket;

  private constructor(
    private readonly path: string,
    /** Half of WatchdogSec, as sd_watchdog_enabled advises; undefined without a watchdog. */
    readonly watchdogIntervalMs: number | undefined,
    private readonly logger: Logger,
  ) {
    this.socket = unixDgram.createSocket('unix_dgram');
    this.socket.on('error', (error) => logger.debug('sd_notify failed', { error: error.message }));
  }

  /** A notifier when systemd asked for one ($NOTIFY_SOCKET), otherwise undefined. */
  static fromEnvironment(env: NodeJS.ProcessEnv, logger: Logger): SystemdNotifier | undefined {
    const path = env.NOTIFY_SOCKET;
    if (path === undefined || path === '') return undefined;
    if (path.startsWith('@')) {
      logger.warn('NOTIFY_SOCKET is an abstract socket, which footfall cannot reach; readiness and watchdog are not reported', { socket: path });
      return undefined;
    }
    const usec = Number(env.WATCHDOG_USEC);
    const forUs = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === process.pid;
    const watchdog = Number.isFinite(usec) && usec > 0 && forUs ? usec / 2000 : undefined;
    return new SystemdNotifier(path, watchdog, logger);
  }

  notify(...assignments: string[]): Promise<void> {
    const message = Buffer.from(assignments.join('\n'));
    return new Promise((resolve) => {
      this.socket.send(message, 0, message.length, this.path, (error) => {
        if (error !== undefined) this.logger.debug('sd_notify failed', { error: error.message });
        resolve();
      });
    });
  }

  close(): void {
    this.socket.close();
  }
}
