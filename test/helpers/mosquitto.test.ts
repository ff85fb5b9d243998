import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { connect, type IClientOptions } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptsConnections, MqttTestBed, startMosquitto, startSubscriber } from './mosquitto.js';

/** Connects once without retrying and resolves with the failure text, or 'connected'. */
function tryConnect(url: string, options: IClientOptions = {}): Promise<string> {
  return new Promise((resolve) => {
    const client = connect(url, { ...options, reconnectPeriod: 0 });
    client.once('connect', () => {
      client.end(true);
      resolve('connected');
    });
    client.once('error', (err) => {
      client.end(true);
      resolve(err.message);
    });
    client.once('close', () => resolve('closed'));
  });
}

describe('startMosquitto', () => {
  const bed = new MqttTestBed();
  afterEach(() => bed.cleanUp());

  it('runs a broker whose messages the subscriber collects with their retain flags', async () => {
    const broker = await bed.broker();
    const publisher = connect(broker.url);
    await new Promise((resolve) => publisher.once('connect', resolve));
    await publisher.publishAsync('a/status', 'up', { qos: 1, retain: true });

    const subscriber = await bed.subscriber(broker.url);
    await publisher.publishAsync('a/report', 'r1', { qos: 1 });
    await subscriber.waitFor((m) => m.length === 2, 'the retained and the new message');
    expect(subscriber.messages).toEqual([
      { topic: 'a/status', payload: 'up', qos: 1, retain: true },
      { topic: 'a/report', payload: 'r1', qos: 1, retain: false },
    ]);
    expect(subscriber.on('a/report').map((m) => m.payload)).toEqual(['r1']);
    await publisher.endAsync();

    await broker.stop();
    expect(await acceptsConnections(broker.port)).toBe(false);
    expect(existsSync(broker.dir)).toBe(false);
    await broker.stop();
  });

  it('keeps a persistent session and its queued messages across restart()', async () => {
    const broker = await bed.broker({ persistence: true });
    const first = await startSubscriber(broker.url, { persistentId: 'helper-test-sub' });
    await first.close();

    const publisher = connect(broker.url, { reconnectPeriod: 200 }).on('error', () => {});
    await new Promise((resolve) => publisher.once('connect', resolve));
    await publisher.publishAsync('q/report', 'while away', { qos: 1 });
    await broker.restart();
    await publisher.endAsync();

    const again = await bed.subscriber(broker.url, { persistentId: 'helper-test-sub' });
    await again.waitFor((m) => m.length === 1, 'the message queued for the session');
    expect(again.messages[0]).toMatchObject({ topic: 'q/report', payload: 'while away', qos: 1 });
  });

  it('runs a TLS listener that requires a client certificate from its CA', async () => {
    const broker = await bed.broker({ requireCertificate: true });
    expect(broker.url).toBe(`mqtts://127.0.0.1:${broker.port}`);
    const ca = await readFile(broker.caFile!);
    const cert = await readFile(broker.clientCertFile!);
    const key = await readFile(broker.clientKeyFile!);

    expect(await tryConnect(broker.url, { ca, cert, key })).toBe('connected');
    expect(await tryConnect(broker.url.replace('127.0.0.1', 'localhost'), { ca, cert, key })).toBe('connected');
    expect(await tryConnect(broker.url, { ca })).not.toBe('connected');
    expect(await tryConnect(broker.url, { cert, key })).not.toBe('connected');
  });

  it('fails with the broker log when its port is taken, rather than mistaking the other listener for it', async () => {
    const other = net.createServer().listen(0, '127.0.0.1');
    await once(other, 'listening');
    const { port } = other.address() as net.AddressInfo;
    await expect(startMosquitto({ port })).rejects.toThrow(/Address already in use/);
    other.close();
  });

  it('accepts only the configured user and password', async () => {
    const broker = await bed.broker({ passwordUser: { user: 'sensor', password: 's3cret pass' } });
    expect(await tryConnect(broker.url, { username: 'sensor', password: 's3cret pass' })).toBe('connected');
    expect(await tryConnect(broker.url, { username: 'sensor', password: 'wrong' })).toMatch(/Not authorized|Bad username/);
    expect(await tryConnect(broker.url)).toMatch(/Not authorized|Bad username/);
  });
});
