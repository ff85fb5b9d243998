/**
 * The MQTT side of the daemon: drains the outbox to `<prefix>/<sensor>/report` and keeps
 * `status`, `health` and `live` up to date, reconnecting forever with exponential backoff.
 *
 * Delivery. The outbox is the source of truth: a report leaves it only in the callback of its
 * QoS 1 publish, which mqtt.js calls on PUBACK. One report is in flight at a time, so they
 * arrive oldest first. Nothing is published while disconnected, since mqtt.js queues offline
 * messages in memory only.
 *
 * A lost connection with a report in flight. mqtt.js 5 keeps an unacknowledged QoS 1 publish in
 * its (memory) outgoing store and, after the next CONNACK, sends it again with the same packet
 * id, before it emits `connect`; the original callback runs when that PUBACK arrives. So the
 * report stays in flight across the outage: it is not published a second time by this class,
 * nothing overtakes it and nothing is lost. (The resent packet does not carry the DUP flag.)
 *
 * Duplicates (the same report `id`, which subscribers drop) come from this side only when an
 * acknowledgement is lost: the connection drops after the broker took the report but before its
 * PUBACK arrived, or the daemon stops or dies with a report in flight (the outbox sends it again
 * after the restart), or the outbox could not remove a report after its PUBACK. A broker can add
 * its own QoS 1 redeliveries to a subscriber whose connection it lost.
 */
import { readFile } from 'node:fs/promises';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { passwordOf } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { Outbox, OutboxEntry } from '../store/outbox.js';
import { displayUrl } from './broker-url.js';
import type { DiscoveryMessage, HomeAssistantDiscovery } from './homeassistant.js';
import { topicFor, type HealthPayload, type LivePayload, type PrivacyPayload, type StatusPayload, type TopicName } from '../payloads/payloads.js';

/** The `mqtt` section of the config, with a broker to publish to. */
export type MqttSettings = Config['mqtt'] & { url: string };

export interface MqttPublisherOptions {
  mqtt: MqttSettings;
  sensorId: string;
  outbox: Outbox;
  /** The open window's counts so far, or undefined when there is nothing to say. */
  live: () => LivePayload | undefined;
  health: () => HealthPayload;
  /** What the sensor does with what it hears (the `privacy` topic); read at each connection and by publishPrivacy(). */
  privacy: () => PrivacyPayload;
  /** Home Assistant discovery: announces the sensor when it is on, removes earlier announcements when it is off. */
  homeassistant?: HomeAssistantDiscovery;
  logger: Logger;
}

export interface PublisherState {
  connected: boolean;
  /** When the broker last acknowledged a report (ISO-8601); null before the first. */
  lastPublish: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  /** Connection attempts since the last successful connection. */
  reconnectAttempts: number;
}

const FIRST_RETRY_MS = 1000;
/** How long stop() waits for the broker to acknowledge what is in flight. */
const STOP_TIMEOUT_MS = 3000;
/** Wait before sending a report again that the broker refused or the outbox failed on. */
const RETRY_AFTER_FAILURE_MS = 5000;

const ONLINE: StatusPayload = { state: 'online' };
const OFFLINE: StatusPayload = { state: 'offline' };

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function readSetting(key: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new Error(`mqtt.${key}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? errorText(err)})`);
  }
}

/** User name, password (read from its file) and TLS material from the config, as mqtt.js takes them. */
export async function credentialOptions(settings: MqttSettings): Promise<IClientOptions> {
  const options: IClientOptions = { rejectUnauthorized: settings.reject_unauthorized };
  if (settings.username !== null) options.username = settings.username;
  if (settings.password_file !== null) {
    options.password = passwordOf((await readSetting('password_file', settings.password_file)).toString('utf8'));
  }
  if (settings.ca_file !== null) options.ca = await readSetting('ca_file', settings.ca_file);
  if (settings.cert_file !== null) options.cert = await readSetting('cert_file', settings.cert_file);
  if (settings.key_file !== null) options.key = await readSetting('key_file', settings.key_file);
  return options;
}

export class MqttPublisher {
  private readonly topics: Record<TopicName, string>;
  private readonly clientId: string;
  private client: MqttClient | undefined;
  /** True between mqtt.js's `connect` and `close` events: after it has resent what was in flight. */
  private connected = false;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private inFlight: OutboxEntry | undefined;
  /** QoS 1 publishes not yet acknowledged, so that stop() knows when the client has nothing left. */
  private unacked = 0;
  private readonly settledListeners = new Set<() => void>();
  private readonly drainWaiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  private timers: NodeJS.Timeout[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private lastPublish: string | null = null;
  private lastError: string | null = null;
  private lastErrorAt: string | null = null;
  private errorSinceConnect = false;
  private reconnectAttempts = 0;
  /** The last connection failure logged, so that a broker that stays away is logged once. */
  private loggedFailure: string | undefined;

  constructor(private readonly options: MqttPublisherOptions) {
    const { topic_prefix: prefix } = options.mqtt;
    this.topics = {
      status: topicFor(prefix, options.sensorId, 'status'),
      report: topicFor(prefix, options.sensorId, 'report'),
      live: topicFor(prefix, options.sensorId, 'live'),
      health: topicFor(prefix, options.sensorId, 'health'),
      privacy: topicFor(prefix, options.sensorId, 'privacy'),
    };
    this.clientId = options.mqtt.client_id ?? `footfall-${options.sensorId}`;
  }

  /**
   * Reads the password and TLS files and starts connecting; resolves without waiting for the
   * broker. Rejects only when one of those files cannot be read.
   */
  async start(): Promise<void> {
    if (this.client) return;
    const clientOptions = await this.clientOptions();
    if (this.client) return;
    this.stopping = false;
    this.stopped = undefined;
    this.reconnectAttempts = 0;
    this.unacked = 0;
    const client = connect(this.options.mqtt.url, clientOptions);
    this.client = client;
    client.on('connect', () => this.onConnect());
    client.on('close', () => this.onClose());
    client.on('reconnect', () => this.onReconnectAttempt());
    client.on('error', (err) => this.onError(err));
    client.on('message', (topic, payload, packet) => this.publishDiscovery(this.options.homeassistant?.onMessage(topic, payload, packet.retain) ?? []));

    const { live_seconds, health_seconds } = this.options.mqtt;
    this.timers = [
      setInterval(() => this.publishLive(), live_seconds * 1000),
      setInterval(() => this.publishHealth(), health_seconds * 1000),
    ];
  }

  /** The outbox has a new entry. */
  notify(): void {
    this.drain();
  }

  /** Resolves once the outbox is empty; rejects if the publisher stops first. */
  waitUntilDrained(): Promise<void> {
    if (this.options.outbox.depth() === 0) return Promise.resolve();
    if (!this.client || this.stopping) return Promise.reject(this.notRunningError());
    return new Promise((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
  }

  state(): PublisherState {
    return {
      connected: this.connected,
      lastPublish: this.lastPublish,
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt,
      reconnectAttempts: this.reconnectAttempts,
    };
  }

  /**
   * Says offline, waits a few seconds at most for the broker to acknowledge what is in flight,
   * and disconnects. Never rejects.
   */
  stop(): Promise<void> {
    this.stopped ??= this.shutDown();
    return this.stopped;
  }

  private async shutDown(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.stopping = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;

    if (this.connected) this.publishJson('status', OFFLINE, 1, true);
    const settled = this.connected && (await this.allAcknowledged(STOP_TIMEOUT_MS));
    // A clean DISCONNECT only when nothing is left: otherwise mqtt.js would wait for the acks
    // forever. Without DISCONNECT the broker publishes the last will, which also says offline.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, STOP_TIMEOUT_MS);
      try {
        client.end(!settled, () => {
          clearTimeout(timer);
          resolve();
        });
      } catch (err) {
        this.options.logger.warn('cannot disconnect cleanly', { error: errorText(err) });
      }
    });
    this.client = undefined;
    this.connected = false;
    this.inFlight = undefined;
    const waiters = this.drainWaiters.splice(0);
    for (const waiter of waiters) waiter.reject(this.notRunningError());
    this.options.logger.info('stopped publishing', { outbox_depth: this.safeDepth() });
  }

  private async clientOptions(): Promise<IClientOptions> {
    return {
      ...(await credentialOptions(this.options.mqtt)),
      clientId: this.clientId,
      clean: true,
      keepalive: this.options.mqtt.keepalive_seconds,
      reconnectPeriod: FIRST_RETRY_MS,
      // A refused CONNACK (bad password, not authorised) is retried like any other failure.
      reconnectOnConnackError: true,
      queueQoSZero: false,
      will: { topic: this.topics.status, payload: Buffer.from(JSON.stringify(OFFLINE)), qos: 1, retain: true },
    };
  }

  private onConnect(): void {
    const client = this.client;
    if (!client) return;
    this.options.logger.info('connected to the broker', {
      url: displayUrl(this.options.mqtt.url),
      client_id: this.clientId,
      attempts: this.reconnectAttempts,
    });
    this.connected = true;
    this.errorSinceConnect = false;
    this.reconnectAttempts = 0;
    this.loggedFailure = undefined;
    client.options.reconnectPeriod = FIRST_RETRY_MS;
    this.publishJson('status', ONLINE, 1, true);
    this.publishPrivacy();
    this.publishHealth();
    this.startDiscovery(client);
    this.drain();
  }

  private onClose(): void {
    if (!this.connected) return;
    this.connected = false;
    if (this.stopping) return;
    if (!this.errorSinceConnect) this.recordError('connection closed by the broker or the network');
    this.options.logger.warn('connection to the broker lost; reconnecting', {
      retry_in_seconds: FIRST_RETRY_MS / 1000,
      report_in_flight: this.inFlight?.id,
    });
  }

  /** mqtt.js starts another attempt; the wait after it, should it fail, doubles. */
  private onReconnectAttempt(): void {
    const client = this.client;
    if (!client) return;
    this.reconnectAttempts += 1;
    const maxMs = this.options.mqtt.reconnect_max_seconds * 1000;
    const nextWaitMs = Math.min(FIRST_RETRY_MS * 2 ** this.reconnectAttempts, maxMs);
    client.options.reconnectPeriod = nextWaitMs;
    this.options.logger.debug('connecting to the broker', {
      attempt: this.reconnectAttempts,
      retry_in_seconds: nextWaitMs / 1000,
    });
  }

  private onError(err: Error): void {
    const text = errorText(err);
    this.recordError(text);
    this.errorSinceConnect = true;
    if (this.connected) {
      this.options.logger.warn('MQTT error', { error: text });
    } else if (text !== this.loggedFailure && !this.stopping) {
      // Logged once per distinct failure; the attempts themselves are debug lines.
      this.loggedFailure = text;
      this.options.logger.warn('cannot connect to the broker; retrying with backoff', {
        url: displayUrl(this.options.mqtt.url),
        error: text,
        retry_in_seconds: (this.client?.options.reconnectPeriod ?? FIRST_RETRY_MS) / 1000,
      });
    }
  }

  private recordError(text: string): void {
    this.lastError = text;
    this.lastErrorAt = new Date().toISOString();
  }

  /** Publishes the oldest report unless one is in flight; the next follows its PUBACK. */
  private drain(): void {
    const client = this.client;
    if (!client || !this.connected || this.stopping || this.inFlight) return;
    let entry: OutboxEntry | undefined;
    try {
      entry = this.options.outbox.oldest();
    } catch (err) {
      this.failAndRetry('cannot read the outbox', err);
      return;
    }
    if (!entry) {
      for (const waiter of this.drainWaiters.splice(0)) waiter.resolve();
      return;
    }
    const report = entry;
    this.inFlight = report;
    this.trackAck();
    client.publish(this.topics.report, report.payload, { qos: 1, retain: false }, (err) => {
      this.settleAck();
      this.onReportAcknowledged(report, err);
    });
  }

  private onReportAcknowledged(report: OutboxEntry, err: Error | undefined): void {
    this.inFlight = undefined;
    if (err) {
      // mqtt.js has given the publish up (refused by the broker, or the client is ending): the
      // report stays in the outbox and goes again.
      if (!this.stopping) this.failAndRetry(`report ${report.id} was not acknowledged`, err);
      return;
    }
    this.lastPublish = new Date().toISOString();
    try {
      this.options.outbox.remove(report.seq);
    } catch (err) {
      this.failAndRetry(`report ${report.id} was published but cannot be removed from the outbox`, err);
      return;
    }
    this.options.logger.debug('report published', { id: report.id });
    this.drain();
  }

  private failAndRetry(what: string, err: unknown): void {
    const text = `${what}: ${errorText(err)}`;
    this.recordError(text);
    this.options.logger.error(text, { retry_in_seconds: RETRY_AFTER_FAILURE_MS / 1000 });
    if (this.retryTimer || this.stopping) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.drain();
    }, RETRY_AFTER_FAILURE_MS);
  }

  private publishLive(): void {
    if (!this.connected) return;
    let payload: LivePayload | undefined;
    try {
      payload = this.options.live();
    } catch (err) {
      this.options.logger.error('cannot take the live counts', { error: errorText(err) });
      return;
    }
    if (payload) this.publishJson('live', payload, 0, true);
  }

  /** Sends the privacy manifest again (the config changed); it goes at every connection anyway. */
  publishPrivacy(): void {
    this.publishJson('privacy', this.options.privacy(), 1, true);
  }

  private publishHealth(): void {
    if (!this.connected) return;
    let payload: HealthPayload;
    try {
      payload = this.options.health();
    } catch (err) {
      this.options.logger.error('cannot take the health figures', { error: errorText(err) });
      return;
    }
    this.publishJson('health', payload, 1, true);
  }

  /** Subscribes to Home Assistant's birth and to this sensor's own discovery configs, and announces the sensor. */
  private startDiscovery(client: MqttClient): void {
    const discovery = this.options.homeassistant;
    if (!discovery) return;
    client.subscribe(discovery.subscriptions, { qos: 1 }, (err, granted) => {
      const refused = granted?.filter((grant) => grant.qos === 128).map((grant) => grant.topic) ?? [];
      if (err || refused.length > 0) {
        this.options.logger.warn('cannot subscribe to the Home Assistant discovery topics; the broker may not allow it', { error: err ? errorText(err) : undefined, topics: refused.join(' ') || undefined });
      }
    });
    this.publishDiscovery(discovery.onConnect());
  }

  private publishDiscovery(messages: readonly DiscoveryMessage[]): void {
    const client = this.client;
    if (!client || !this.connected) return;
    for (const { topic, payload } of messages) {
      this.trackAck();
      client.publish(topic, payload, { qos: 1, retain: true }, (err) => {
        this.settleAck();
        if (err) this.options.logger.debug('discovery config not published', { topic, error: errorText(err) });
      });
    }
  }

  private publishJson(name: Exclude<TopicName, 'report'>, payload: object, qos: 0 | 1, retain: boolean): void {
    const client = this.client;
    if (!client || !this.connected) return;
    if (qos === 1) this.trackAck();
    client.publish(this.topics[name], JSON.stringify(payload), { qos, retain }, (err) => {
      if (qos === 1) this.settleAck();
      if (err) this.options.logger.debug(`${name} not published`, { error: errorText(err) });
    });
  }

  private trackAck(): void {
    this.unacked += 1;
  }

  private settleAck(): void {
    this.unacked -= 1;
    if (this.unacked === 0) for (const listener of this.settledListeners) listener();
  }

  /** Whether every QoS 1 publish was acknowledged within `timeoutMs`. */
  private allAcknowledged(timeoutMs: number): Promise<boolean> {
    if (this.unacked === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (result: boolean) => {
        this.settledListeners.delete(onSettled);
        clearTimeout(timer);
        resolve(result);
      };
      const onSettled = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.settledListeners.add(onSettled);
    });
  }

  private safeDepth(): number | undefined {
    try {
      return this.options.outbox.depth();
    } catch {
      return undefined;
    }
  }

  private notRunningError(): Error {
    return new Error(`the MQTT publisher is not running; ${this.safeDepth() ?? 'some'} report(s) remain in the outbox`);
  }
}
