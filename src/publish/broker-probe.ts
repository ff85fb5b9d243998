/** One connection attempt to the configured broker, with its credentials, without retrying: for `footfall doctor` and `footfall watch`. */
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { credentialOptions, type MqttSettings } from './mqtt-publisher.js';

const CONNECT_TIMEOUT_MS = 5000;

/**
 * Connects once with `settings`' credentials and `options`: the client, and what went wrong
 * (undefined when the broker accepted; the client is then ended). A credential file that cannot
 * be read rejects, naming its setting.
 */
export async function connectOnce(settings: MqttSettings, options: IClientOptions): Promise<{ client: MqttClient; problem: string | undefined }> {
  const credentials = await credentialOptions(settings);
  const client = connect(settings.url, { ...credentials, ...options, reconnectPeriod: 0, connectTimeout: CONNECT_TIMEOUT_MS });
  const problem = await new Promise<string | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`), CONNECT_TIMEOUT_MS + 500);
    const settle = (result: string | undefined) => {
      clearTimeout(timer);
      resolve(result);
    };
    client.once('connect', () => settle(undefined));
    client.once('error', (error) => settle(error.message));
    client.once('close', () => settle('the connection was closed'));
  });
  if (problem !== undefined) await client.endAsync(true);
  return { client, problem };
}

/** Resolves undefined when the broker accepted the connection, or what went wrong. */
export async function probeBroker(settings: MqttSettings): Promise<string | undefined> {
  let attempt;
  try {
    attempt = await connectOnce(settings, { clientId: `footfall-doctor-${process.pid}` });
  } catch (error) {
    return (error as Error).message;
  }
  await attempt.client.endAsync(true);
  return attempt.problem;
}
