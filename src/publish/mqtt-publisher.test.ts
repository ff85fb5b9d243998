import { EventEmitter, once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.js';
import type { Outbox, OutboxEntry } from '../store/outbox.js';
import { freePort, MqttTestBed, type Subscriber } from '../../test/helpers/mosquitto.js';
import { MqttPublisher, type MqttPublisherOptions, type MqttSettings } from './mqtt-publisher.js';
import {
  HEALTH_SCHEMA,
  LIVE_SCHEMA,
  PRIVACY_SCHEMA,
  REPORT_SCHEMA,
  type HealthPayload,
  type LivePayload,
  type PrivacyPayload,
  type WindowReport,
} from '../payloads/payloads.js';

const SENSOR = 'test-sensor';
const TOPIC = {
  status: `footfall/${SENSOR}/status`,
  report: `footfall/${SENSOR}/report`,
  live: `footfall/${SENSOR}/live`,
  health: `footfall/${SENSOR}/health`,
  privacy: `footfall/${SENSOR}/privacy`,
};

const PRIVACY: PrivacyPayload = {
  schema: PRIVACY_SCHEMA,
  sensor: SENSOR,
  window_minutes: 60,
  token_bits: 32,
  key_storage: { medium: 'tmpfs', destroyed: 'at the end of each window' },
  published: { report: ['wifi.devices', 'occupancy'], live: ['wifi.devices', 'occupancy', 'as_of'] },
  ignored_entries: 2,
  min_count: 0,
  contact: 'privacy@shop.example',
  version: '0.1.0',
};

function windowOf(i: number): { start: string; end: string } {
  const start = Date.UTC(2026, 10, 22) + i * 5 * 60_000;
  return { start: new Date(start).toISOString(), end: new Date(start + 5 * 60_000).toISOString() };
}

function makeReport(i: number): WindowReport {
  const window = windowOf(i);
  return {
    schema: REPORT_SCHEMA,
    id: `${SENSOR}/${window.start}`,
    sensor: SENSOR,
    window,
    occupancy: [i],
    quality: { capture_seconds: 300, dropped_frames: 0, restarts: 0, clock_synced: true },
  };
}

function makeLive(i: number): LivePayload {
  const { schema: _schema, ...report } = makeReport(i);
  return { ...report, schema: LIVE_SCHEMA, as_of: new Date(Date.UTC(2026, 10, 22, 0, 0, i)).toISOString() };
}

function makeHealth(i: number): HealthPayload {
  return {
    schema: HEALTH_SCHEMA,
    sensor: SENSOR,
    time: new Date(Date.UTC(2026, 10, 22, 0, 0, i)).toISOString(),
    uptime_seconds: i,
    sources: { wifi: { state: 'capturing', frames_per_second: 12.5, frames: 100 * i, malformed: 0, dropped: 0 } },
    outbox_depth: 0,
    last_publish: null,
    clock: { synced: true, steps: 0, held_back_frames: 0 },
    store: { state: 'ok', error: null, since: null, reports_in_memory: 0, unreadable_reports: 0 },
    versions: { footfall: '0.1.0' },
  };
}

/** The outbox contract in memory, recording what the publisher removed and when. */
class MemoryOutbox implements Outbox {
  private entries: OutboxEntry[] = [];
  private nextSeq = 1;
  readonly removed: number[] = [];
  /** Runs inside remove(), that is inside the publish callback, before the next report goes. */
  onRemove: ((seq: number) => void) | undefined;

  constructor(reports = 0) {
    for (let i = 1; i <= reports; i++) this.add(makeReport(i));
  }

  add(report: WindowReport): void {
    this.entries.push({ seq: this.nextSeq++, id: report.id, payload: JSON.stringify(report) });
  }

  oldest(): OutboxEntry | undefined {
    return this.entries[0];
  }

  remove(seq: number): void {
    this.entries = this.entries.filter((entry) => entry.seq !== seq);
    this.removed.push(seq);
    this.onRemove?.(seq);
  }

  depth(): number {
    return this.entries.length;
  }

  waiting(): number[] {
    return this.entries.map((entry) => entry.seq);
  }
}

/**
 * A TCP relay between the publisher and the broker that can swallow the bytes going one way and
 * cut every connection, to lose a PUBLISH or a PUBACK at a chosen moment.
 */
class FaultyLink extends EventEmitter {
  dropToBroker = false;
  dropToClient = false;
  private brokerPort = 0;
  private readonly sockets = new Set<net.Socket>();
  private readonly server = net.createServer((client) => this.relay(client));

  async start(brokerPort: number): Promise<string> {
    this.brokerPort = brokerPort;
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `mqtt://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  cut(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private relay(client: net.Socket): void {
    const broker = net.connect({ host: '127.0.0.1', port: this.brokerPort });
    for (const socket of [client, broker]) {
      this.sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        broker.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      if (this.dropToBroker) this.emit('dropped', 'to broker', chunk.length);
      else broker.write(chunk);
    });
    broker.on('data', (chunk: Buffer) => {
      if (this.dropToClient) this.emit('dropped', 'to client', chunk.length);
      else client.write(chunk);
    });
  }
}

/** Polls a condition of the publisher's state; generous, so a slow machine only waits longer. */
async function waitUntil(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const reportIds = (subscriber: Subscriber) =>
  subscriber.on(TOPIC.report).map((m) => (JSON.parse(m.payload) as WindowReport).id);

const idsOf = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => makeReport(from + k).id);

/** The wait after each failed attempt, in seconds, as the debug log states it. */
const retryWaits = (lines: string[]) =>
  lines.filter((l) => l.includes('connecting to the broker')).map((l) => /retry_in_seconds=(\d+)/.exec(l)?.[1]);

function firstOccurrences(ids: string[]): string[] {
  return ids.filter((id, index) => ids.indexOf(id) === index);
}

describe('MqttPublisher against mosquitto', () => {
  let tmp: string;
  const bed = new MqttTestBed();
  const publishers: MqttPublisher[] = [];
  const links: FaultyLink[] = [];

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'footfall-publisher-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });
  afterEach(async () => {
    await Promise.all(publishers.splice(0).map((p) => p.stop()));
    await Promise.all(links.splice(0).map((l) => l.close()));
    await bed.cleanUp();
  });

  const broker = bed.broker.bind(bed);
  const subscriber = bed.subscriber.bind(bed);

  function settings(url: string, overrides: Partial<MqttSettings> = {}): MqttSettings {
    return {
      url,
      topic_prefix: 'footfall',
      client_id: null,
      username: null,
      password_file: null,
      ca_file: null,
      cert_file: null,
      key_file: null,
      reject_unauthorized: true,
      keepalive_seconds: 60,
      reconnect_max_seconds: 60,
      live_seconds: 3600,
      health_seconds: 3600,
      ...overrides,
    };
  }

  function publisher(mqtt: MqttSettings, outbox: Outbox, more: Partial<MqttPublisherOptions> = {}) {
    const lines: string[] = [];
    const created = new MqttPublisher({
      mqtt,
      sensorId: SENSOR,
      outbox,
      live: () => undefined,
      health: () => makeHealth(0),
      privacy: () => PRIVACY,
      logger: createLogger({ level: 'debug', write: (line) => lines.push(line), journald: false }),
      ...more,
    });
    publishers.push(created);
    return { publisher: created, lines };
  }

  /** Five reports to publish through a FaultyLink that starts dropping one way once report 2 is acknowledged. */
  async function fiveReportsThroughLink(drop: 'dropToBroker' | 'dropToClient') {
    const mosquitto = await broker();
    const sub = await subscriber(mosquitto.url);
    const faulty = new FaultyLink();
    links.push(faulty);
    const url = await faulty.start(mosquitto.port);
    const outbox = new MemoryOutbox(5);
    outbox.onRemove = (seq) => {
      if (seq === 2) faulty[drop] = true;
    };
    return { sub, faulty, outbox, ...publisher(settings(url), outbox) };
  }

  it('publishes every report once, oldest first, with QoS 1, and removes each only once acknowledged', async () => {
    const mosquitto = await broker();
    const sub = await subscriber(mosquitto.url);
    const outbox = new MemoryOutbox(3);
    const { publisher: pub } = publisher(settings(mosquitto.url), outbox);

    await pub.start();
    await pub.waitUntilDrained();
    outbox.add(makeReport(4));
    outbox.add(makeReport(5));
    pub.notify();
    await pub.waitUntilDrained();
    await sub.waitFor(() => reportIds(sub).length === 5, 'five reports');

    expect(reportIds(sub)).toEqual(idsOf(1, 5));
    for (const message of sub.on(TOPIC.report)) expect(message).toMatchObject({ qos: 1, retain: false });
    expect(JSON.parse(sub.on(TOPIC.report)[0]!.payload)).toEqual(makeReport(1));
    expect(outbox.removed).toEqual([1, 2, 3, 4, 5]);
    expect(pub.state()).toMatchObject({ connected: true, reconnectAttempts: 0, lastError: null });
    expect(pub.state().lastPublish).not.toBeNull();
    // Health goes out at connect, not only every health_seconds (an hour here).
    await sub.waitFor((m) => m.some((x) => x.topic === TOPIC.health), 'health at connect');
  });

  it('says online and its privacy manifest (retained) once connected, and offline (retained) after stop()', async () => {
    const mosquitto = await broker();
    const privacy = { ...PRIVACY };
    const { publisher: pub, lines } = publisher(settings(mosquitto.url, { client_id: 'shop-door' }), new MemoryOutbox(), { privacy: () => privacy });
    await pub.start();
    await waitUntil(() => pub.state().connected, 'connected');

    const whileRunning = await subscriber(mosquitto.url);
    await whileRunning.waitFor((m) => m.some((x) => x.topic === TOPIC.status), 'the retained status');
    expect(whileRunning.on(TOPIC.status)).toEqual([{ topic: TOPIC.status, payload: '{"state":"online"}', qos: 1, retain: true }]);
    await whileRunning.waitFor((m) => m.some((x) => x.topic === TOPIC.privacy), 'the retained privacy manifest');
    expect(whileRunning.on(TOPIC.privacy)).toEqual([{ topic: TOPIC.privacy, payload: JSON.stringify(PRIVACY), qos: 1, retain: true }]);
    // A reload that changes what the manifest says sends it again.
    privacy.contact = 'dpo@shop.example';
    pub.publishPrivacy();
    await whileRunning.waitFor((m) => m.filter((x) => x.topic === TOPIC.privacy).length === 2, 'the manifest sent again');
    expect(JSON.parse(whileRunning.on(TOPIC.privacy)[1]!.payload)).toEqual({ ...PRIVACY, contact: 'dpo@shop.example' });

    await pub.stop();
    // A clean stop is not an error.
    expect(pub.state()).toMatchObject({ connected: false, lastError: null });
    const afterStop = await subscriber(mosquitto.url);
    await afterStop.waitFor((m) => m.some((x) => x.topic === TOPIC.status), 'the retained status');
    expect(afterStop.on(TOPIC.status)).toEqual([{ topic: TOPIC.status, payload: '{"state":"offline"}', qos: 1, retain: true }]);
    expect(lines.some((l) => l.includes('connected to the broker') && l.includes('client_id=shop-door'))).toBe(true);
    expect(await mosquitto.log()).toMatch(/shop-door/);
    await pub.stop();
  });

  it('keeps a report whose PUBACK was lost in the outbox; mqtt.js resends it after reconnecting (one duplicate, order kept)', async () => {
    const { sub, faulty, outbox, publisher: pub, lines } = await fiveReportsThroughLink('dropToClient');

    await pub.start();
    await sub.waitFor(() => reportIds(sub).length === 3, 'report 3 to pass the broker');
    // The broker has report 3, but without its PUBACK it stays in the outbox, in flight.
    expect(outbox.waiting()).toEqual([3, 4, 5]);

    faulty.dropToClient = false;
    faulty.cut();
    await pub.waitUntilDrained();
    await sub.waitFor(() => reportIds(sub).length === 6, 'the resent report 3 and reports 4 and 5');
    expect(reportIds(sub)).toEqual([...idsOf(1, 3), ...idsOf(3, 5)]);
    expect(outbox.removed).toEqual([1, 2, 3, 4, 5]);
    expect(lines.filter((l) => l.includes('connection to the broker lost'))).toHaveLength(1);
    expect(lines.find((l) => l.includes('connection to the broker lost'))).toContain(`report_in_flight=${makeReport(3).id}`);
  });

  it('sends a report whose PUBLISH was lost exactly once after reconnecting, while the will says offline', async () => {
    const { sub, faulty, outbox, publisher: pub } = await fiveReportsThroughLink('dropToBroker');
    const dropped = once(faulty, 'dropped');

    await pub.start();
    await dropped;
    expect(outbox.waiting()).toEqual([3, 4, 5]);

    faulty.dropToBroker = false;
    faulty.cut();
    await pub.waitUntilDrained();
    await sub.waitFor(() => reportIds(sub).length === 5, 'five reports');
    await sub.waitFor(() => sub.on(TOPIC.status).length === 3, 'online, the will, online');
    expect(reportIds(sub)).toEqual(idsOf(1, 5));
    expect(sub.on(TOPIC.status).map((m) => JSON.parse(m.payload).state)).toEqual(['online', 'offline', 'online']);
  });

  it('delivers everything in order when the broker is down at start and comes up later', async () => {
    const mosquitto = await broker({ persistence: true });
    const sub = await subscriber(mosquitto.url, { persistentId: 'down-at-start' });
    const outbox = new MemoryOutbox(5);
    const { publisher: pub, lines } = publisher(settings(mosquitto.url), outbox);

    await mosquitto.restart(async () => {
      await pub.start();
      await waitUntil(() => pub.state().reconnectAttempts >= 1 && pub.state().lastError !== null, 'a failed retry');
      expect(pub.state().connected).toBe(false);
      expect(outbox.depth()).toBe(5);
    });
    await pub.waitUntilDrained();
    await sub.waitFor(() => reportIds(sub).length === 5, 'five reports');

    expect(reportIds(sub)).toEqual(idsOf(1, 5));
    expect(pub.state()).toMatchObject({ connected: true, reconnectAttempts: 0 });
    expect(pub.state().lastError).toMatch(/ECONNREFUSED/);
    expect(lines.filter((l) => l.includes('cannot connect to the broker'))).toHaveLength(1);
  });

  it('loses nothing and keeps the order when the broker restarts in the middle of a drain', async () => {
    const mosquitto = await broker({ persistence: true });
    const sub = await subscriber(mosquitto.url, { persistentId: 'mid-drain' });
    const outbox = new MemoryOutbox(40);
    let restarted: Promise<void> | undefined;
    outbox.onRemove = (seq) => {
      if (seq !== 10) return;
      // Frozen before report 11 is even sent, so the outage is sure to catch the drain midway.
      mosquitto.freeze();
      restarted = mosquitto.restart();
    };
    let depthWhenLost: number | undefined;
    const { publisher: pub } = publisher(settings(mosquitto.url), outbox, {
      logger: createLogger({
        level: 'info',
        journald: false,
        write: (line) => {
          if (line.includes('connection to the broker lost')) depthWhenLost ??= outbox.depth();
        },
      }),
    });

    await pub.start();
    await pub.waitUntilDrained();
    await restarted;
    await sub.waitFor((m) => new Set(reportIds(sub)).size === 40, 'all 40 reports');

    expect(depthWhenLost).toBeGreaterThan(0);
    // QoS 1 allows a report to come twice, on either leg: the broker redelivers to the persistent
    // subscriber a message whose PUBACK the outage swallowed, and the publisher resends one whose
    // PUBACK it never got. Never out of order.
    expect(firstOccurrences(reportIds(sub))).toEqual(idsOf(1, 40));
    expect(outbox.removed).toEqual(Array.from({ length: 40 }, (_, k) => k + 1));
  });

  it('connects over TLS with the CA and a client certificate, and reports a refused handshake in state()', async () => {
    const mosquitto = await broker({ requireCertificate: true });
    const tls = { ca_file: mosquitto.caFile!, cert_file: mosquitto.clientCertFile!, key_file: mosquitto.clientKeyFile! };
    const sub = await subscriber(mosquitto.url, {
      connect: {
        ca: await readFile(tls.ca_file),
        cert: await readFile(tls.cert_file),
        key: await readFile(tls.key_file),
      },
    });
    const outbox = new MemoryOutbox(2);
    const { publisher: pub } = publisher(settings(mosquitto.url, tls), outbox);
    await pub.start();
    await pub.waitUntilDrained();
    await sub.waitFor(() => reportIds(sub).length === 2, 'two reports');
    expect(reportIds(sub)).toEqual(idsOf(1, 2));

    const withoutCert = publisher(settings(mosquitto.url, { ca_file: tls.ca_file, client_id: 'no-cert' }), new MemoryOutbox(1));
    await withoutCert.publisher.start();
    await waitUntil(() => withoutCert.publisher.state().lastError !== null, 'the handshake to fail');
    expect(withoutCert.publisher.state().connected).toBe(false);
  });

  it('logs in with the user name and the first line of the password file', async () => {
    const mosquitto = await broker({ passwordUser: { user: 'sensor-12', password: 'open sesame' } });
    const passwordFile = path.join(tmp, 'password');
    await writeFile(passwordFile, '  open sesame \nsecond line\n', { mode: 0o600 });
    const sub = await subscriber(mosquitto.url, { connect: { username: 'sensor-12', password: 'open sesame' } });
    const outbox = new MemoryOutbox(2);
    const { publisher: pub, lines } = publisher(
      settings(`mqtt://127.0.0.1:${mosquitto.port}`, { username: 'sensor-12', password_file: passwordFile }),
      outbox,
    );
    await pub.start();
    await pub.waitUntilDrained();
    await sub.waitFor(() => reportIds(sub).length === 2, 'two reports');
    expect(reportIds(sub)).toEqual(idsOf(1, 2));
    expect(lines.join('')).not.toContain('sesame');
  });

  it('retries a wrong password with backoff, reporting it in state() and logging it once', async () => {
    const mosquitto = await broker({ passwordUser: { user: 'sensor-12', password: 'open sesame' } });
    const passwordFile = path.join(tmp, 'wrong-password');
    await writeFile(passwordFile, 'guessed wrong\n');
    const { publisher: pub, lines } = publisher(
      settings(mosquitto.url, { username: 'sensor-12', password_file: passwordFile }),
      new MemoryOutbox(1),
    );
    await pub.start();
    await waitUntil(() => pub.state().reconnectAttempts >= 2, 'two retries');

    expect(pub.state()).toMatchObject({ connected: false });
    expect(pub.state().lastError).toMatch(/Not authorized|Bad username or password/);
    expect(lines.filter((l) => l.includes('cannot connect to the broker'))).toHaveLength(1);
    // The wait after each attempt doubles from 1 s: 2 s after the first retry, 4 s after the second.
    expect(retryWaits(lines).slice(0, 2)).toEqual(['2', '4']);
    expect(lines.join('')).not.toContain('guessed');
    const drained = pub.waitUntilDrained();
    await pub.stop();
    await expect(drained).rejects.toThrow(/not running; 1 report/);
  });

  it('caps the backoff at reconnect_max_seconds', async () => {
    const port = await freePort();
    const { publisher: pub, lines } = publisher(settings(`mqtt://127.0.0.1:${port}`, { reconnect_max_seconds: 2 }), new MemoryOutbox());
    await pub.start();
    await waitUntil(() => pub.state().reconnectAttempts >= 2, 'two retries');
    expect(retryWaits(lines).slice(0, 2)).toEqual(['2', '2']);
  });

  it('publishes live (QoS 0) and health (QoS 1) periodically, both retained, with their shapes', async () => {
    const mosquitto = await broker();
    const sub = await subscriber(mosquitto.url);
    const lives: LivePayload[] = [];
    const healths: HealthPayload[] = [];
    const { publisher: pub } = publisher(settings(mosquitto.url, { live_seconds: 1, health_seconds: 1 }), new MemoryOutbox(), {
      live: () => {
        lives.push(makeLive(lives.length));
        return lives.at(-1);
      },
      health: () => {
        healths.push(makeHealth(healths.length));
        return healths.at(-1)!;
      },
    });
    await pub.start();
    await sub.waitFor(() => sub.on(TOPIC.live).length >= 2 && sub.on(TOPIC.health).length >= 2, 'two live and two health messages');

    for (const message of sub.on(TOPIC.live)) {
      expect(message.qos).toBe(0);
      expect(lives).toContainEqual(JSON.parse(message.payload));
    }
    for (const message of sub.on(TOPIC.health)) {
      expect(message.qos).toBe(1);
      expect(healths).toContainEqual(JSON.parse(message.payload));
    }

    const late = await subscriber(mosquitto.url);
    const retainedOn = (topic: string) => late.messages.filter((m) => m.topic === topic && m.retain);
    await late.waitFor(() => [TOPIC.status, TOPIC.live, TOPIC.health].every((t) => retainedOn(t).length > 0), 'retained status, live and health');
    expect(JSON.parse(retainedOn(TOPIC.live)[0]!.payload)).toMatchObject({ schema: LIVE_SCHEMA, sensor: SENSOR });
    expect(JSON.parse(retainedOn(TOPIC.health)[0]!.payload)).toMatchObject({ schema: HEALTH_SCHEMA, sensor: SENSOR });
  });

  it('stop() returns even when the broker no longer answers, and keeps the unacknowledged report', async () => {
    const mosquitto = await broker();
    const outbox = new MemoryOutbox(1);
    const { publisher: pub } = publisher(settings(mosquitto.url), outbox);
    await pub.start();
    await pub.waitUntilDrained();

    mosquitto.freeze();
    outbox.add(makeReport(2));
    pub.notify();
    const drained = pub.waitUntilDrained();
    await pub.stop();

    await expect(drained).rejects.toThrow(/not running/);
    expect(outbox.waiting()).toEqual([2]);
    expect(pub.state().connected).toBe(false);
  });

  it('rejects start() naming the setting whose file cannot be read', async () => {
    const { publisher: pub } = publisher(
      settings('mqtts://127.0.0.1:1', { ca_file: path.join(tmp, 'missing-ca.pem') }),
      new MemoryOutbox(),
    );
    await expect(pub.start()).rejects.toThrow(/mqtt\.ca_file: cannot read .*missing-ca\.pem \(ENOENT\)/);
    expect(pub.state().connected).toBe(false);
  });
});
