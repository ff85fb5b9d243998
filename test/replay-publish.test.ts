/**
 * `footfall replay --publish` against a real mosquitto that the tests start on a free loopback
 * port: delivery once and in order, the retained status and its last will, and a broker outage
 * that loses nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { StatusPayload, WindowReport } from '../src/payloads/payloads.js';
import { jsonLines, runCli, startCli } from './helpers/cli.js';
import { MqttTestBed, type ReceivedMessage } from './helpers/mosquitto.js';
import { capture, hasSharedCaptures } from './helpers/shared-captures.js';

const bed = new MqttTestBed();
afterEach(() => bed.cleanUp());

const SENSOR = 'replay-test';
const topic = (name: string) => `footfall/${SENSOR}/${name}`;
const reportIds = (messages: ReceivedMessage[]) =>
  messages.filter((m) => m.topic === topic('report')).map((m) => (JSON.parse(m.payload) as WindowReport).id);
const lastStatus = (messages: ReceivedMessage[]) => {
  const status = messages.filter((m) => m.topic === topic('status')).at(-1);
  return status === undefined ? undefined : (JSON.parse(status.payload) as StatusPayload).state;
};

describe.skipIf(!hasSharedCaptures)('replay --publish (needs ../shared/captures)', () => {
  const fryza = capture('wifi/fryza_sc6-61_2024-04-18_pos1.pcap');

  it('delivers every report once, in order, and says online then offline', async () => {
    const broker = await bed.broker();
    const subscriber = await bed.subscriber(broker.url);
    const result = await runCli(['replay', '--publish', fryza, '--log-level', 'warn'], { FOOTFALL_MQTT_URL: broker.url, FOOTFALL_SENSOR_ID: SENSOR });
    expect(result.code).toBe(0);
    const printed = jsonLines<WindowReport>(result.stdout).map((r) => r.id);
    expect(printed).toHaveLength(9);
    await subscriber.waitFor((m) => lastStatus(m) === 'offline', 'status offline');
    expect(reportIds(subscriber.messages)).toEqual(printed);
    const report = subscriber.on(topic('report'))[0]!;
    expect(report).toMatchObject({ qos: 1, retain: false });
    expect(subscriber.on(topic('status')).map((m) => JSON.parse(m.payload).state)).toEqual(['online', 'offline']);

    const late = await bed.subscriber(broker.url);
    await late.waitFor((m) => m.some((x) => x.topic === topic('status')), 'the retained status');
    expect(late.on(topic('status'))[0]).toMatchObject({ retain: true, payload: '{"state":"offline"}' });
    expect(late.on(topic('health'))[0]).toMatchObject({ retain: true });
  });

  it('leaves a retained offline status (the last will) when killed with -9', async () => {
    const broker = await bed.broker();
    const subscriber = await bed.subscriber(broker.url);
    // Paced, so the process is connected and busy when it is killed.
    const running = startCli(['replay', '--publish', '--speed', '600', fryza], { FOOTFALL_MQTT_URL: broker.url, FOOTFALL_SENSOR_ID: SENSOR });
    await subscriber.waitFor((m) => lastStatus(m) === 'online', 'status online');
    const retained = await bed.subscriber(broker.url);
    await retained.waitFor((m) => lastStatus(m) === 'online', 'the retained online status');
    expect(retained.on(topic('status'))[0]!.retain).toBe(true);

    running.child.kill('SIGKILL');
    await running.done;
    await subscriber.waitFor((m) => lastStatus(m) === 'offline', 'the last will');
    const after = await bed.subscriber(broker.url);
    await after.waitFor((m) => lastStatus(m) === 'offline', 'the retained last will');
  });

  it('holds the reports while the broker is down and delivers them all, in order, when it is back', async () => {
    const broker = await bed.broker({ persistence: true });
    const subscriber = await bed.subscriber(broker.url, { persistentId: 'outage-subscriber' });
    let running: ReturnType<typeof startCli> | undefined;
    await broker.restart(async () => {
      running = startCli(['replay', '--publish', fryza, '--log-level', 'info'], {
        FOOTFALL_MQTT_URL: broker.url,
        FOOTFALL_SENSOR_ID: SENSOR,
        FOOTFALL_MQTT_RECONNECT_MAX_SECONDS: '2',
      });
      // Every window is counted and waiting in the outbox while the broker is away.
      await running.waitForLines(9);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(running.stderr()).toContain('cannot connect to the broker');
      expect(running.child.exitCode).toBeNull();
    });
    const result = await running!.done;
    expect(result.code).toBe(0);
    const printed = jsonLines<WindowReport>(result.stdout).map((r) => r.id);
    await subscriber.waitFor((m) => reportIds(m).length >= printed.length, 'every report');
    expect(reportIds(subscriber.messages)).toEqual(printed);
  });
});
