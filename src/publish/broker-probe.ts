/** One connection attempt to the configured broker, with its credentials, for `footfall doctor`. */
import { connect } from 'mqtt';
import { credentialOptions, type MqttSettings } from './mqtt-publisher.js';

const PROBE_TIMEOUT_MS = 5000;

/** Resolves undefined when the broker accepted the connection, or what went wrong. */
export async function probeBroker(settings: MqttSettings): Promise<string | undefined> {
  let options;
  try {
    options = await credentialOptions(settings);
  } catch (error) {
    return (error as Error).message;
  }
  const client = connect(settings.url, {
    ...options,
    clientId: `footfall-doctor-${process.pid}`,
    reconnectPeriod: 0,
    connectTimeout: PROBE_TIMEOUT_MS,
  });
  const outcome = await new Promise<string | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(`no answer within ${PROBE_TIMEOUT_MS / 1000} s`), PROBE_TIMEOUT_MS + 500);
    const settle = (result: string | undefined) => {
      clearTimeout(timer);
      resolve(result);
    };
    client.once('connect', () => settle(undefined));
    client.once('error', (error) => settle(error.message));
    client.once('close', () => settle('the connection was closed'));
  });
  await client.endAsync(true);
  return outcome;
}
