import { connect } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptsConnections } from '../../test/helpers/mosquitto.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.js';

describe('startEmbeddedBroker', () => {
  let broker: EmbeddedBroker | undefined;
  afterEach(async () => {
    await broker?.close();
    broker = undefined;
  });

  it('relays messages between clients on loopback, retained ones included', async () => {
    broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);

    const publisher = connect(broker.url).on('error', () => {});
    await new Promise((resolve) => publisher.once('connect', resolve));
    await publisher.publishAsync('footfall/demo/status', '{"state":"online"}', { qos: 1, retain: true });

    const subscriber = connect(broker.url);
    const received: Array<{ topic: string; payload: string; retain: boolean }> = [];
    const gotBoth = new Promise<void>((resolve) => {
      subscriber.on('message', (topic, payload, packet) => {
        received.push({ topic, payload: payload.toString(), retain: packet.retain });
        if (received.length === 2) resolve();
      });
    });
    await new Promise((resolve) => subscriber.once('connect', resolve));
    await subscriber.subscribeAsync('footfall/#', { qos: 1 });
    await publisher.publishAsync('footfall/demo/report', '{"id":"demo/1"}', { qos: 1 });
    await gotBoth;

    expect(received).toEqual([
      { topic: 'footfall/demo/status', payload: '{"state":"online"}', retain: true },
      { topic: 'footfall/demo/report', payload: '{"id":"demo/1"}', retain: false },
    ]);
    await Promise.all([publisher.endAsync(), subscriber.endAsync()]);
  });

  it('stops listening when closed, even with clients connected', async () => {
    broker = await startEmbeddedBroker();
    const client = connect(broker.url, { reconnectPeriod: 0 }).on('error', () => {});
    await new Promise((resolve) => client.once('connect', resolve));
    const closedByBroker = new Promise<void>((resolve) => client.once('close', () => resolve()));

    await broker.close();
    await closedByBroker;
    expect(await acceptsConnections(broker.port)).toBe(false);
    client.end(true);
  });
});
