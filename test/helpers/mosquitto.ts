/**
 * A real mosquitto broker for end-to-end tests, on a free loopback port with its own config,
 * password file, TLS material and persistence in a temporary directory, plus a subscriber that
 * collects what arrives.
 *
 *   const broker = await startMosquitto({ persistence: true });
 *   afterAll(() => broker.stop());
 *   const sub = await startSubscriber(broker.url);
 *   await sub.waitFor((m) => m.length >= 2, 'two messages');
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';

const run = promisify(execFile);

const MOSQUITTO = fs.existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';
const READY_TIMEOUT_MS = 10_000;
const EXIT_TIMEOUT_MS = 5_000;
const LOG_FILE = 'mosquitto.log';

export interface MosquittoOptions {
  /** Default: a free port. */
  port?: number;
  /** A TLS listener (mqtts://) with a generated CA, server certificate and client certificate. */
  tls?: boolean;
  /** Clients must present a certificate signed by the generated CA; implies `tls`. */
  requireCertificate?: boolean;
  /** Turns anonymous access off; this user is the only one. */
  passwordUser?: { user: string; password: string };
  /** Sessions and queued messages survive `restart()`. */
  persistence?: boolean;
}

export interface Mosquitto {
  url: string;
  port: number;
  /** Holds the config, the log, the password file, the TLS files and the persistence database. */
  dir: string;
  logFile: string;
  /** Set with `tls`: the CA that signed both certificates, and the client's certificate and key. */
  caFile: string | undefined;
  clientCertFile: string | undefined;
  clientKeyFile: string | undefined;
  /** The broker's log so far, to explain a failing test. */
  log(): Promise<string>;
  /**
   * Stops the broker (it saves its persistence database) and starts it again on the same port
   * and directory, to simulate an outage; `whileDown` runs in between.
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  /**
   * Suspends the broker process: connections stay open but nothing is read or answered, as with
   * a hung broker or a silent network. `restart()` and `stop()` end it.
   */
  freeze(): void;
  /** Kills the broker and removes its directory; safe to call twice or after a failed start. */
  stop(): Promise<void>;
}

/** Brokers still running, killed when the test process exits however it exits. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function killLeftoversOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const OPENSSL_CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = footfall test
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = CA:FALSE
subjectAltName = IP:127.0.0.1, DNS:localhost
extendedKeyUsage = serverAuth
[client_ext]
basicConstraints = CA:FALSE
extendedKeyUsage = clientAuth
`;

interface TlsFiles {
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
}

/** A throwaway CA, a server certificate for 127.0.0.1 and localhost, and a client certificate. */
async function generateTlsFiles(dir: string): Promise<TlsFiles> {
  const file = (name: string) => path.join(dir, name);
  const config = file('openssl.cnf');
  await writeFile(config, OPENSSL_CONFIG);
  // EC keys: generating them takes milliseconds, RSA keys can take a second each.
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', ['req', '-x509', '-config', config, '-extensions', 'ca_ext', ...newKey,
    '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '2', '-subj', '/CN=footfall test CA']);
  const sign = async (name: string, subject: string, extensions: string, serial: string) => {
    await run('openssl', ['req', '-new', '-config', config, ...newKey,
      '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', subject]);
    await run('openssl', ['x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.crt'), '-CAkey', file('ca.key'),
      '-set_serial', serial, '-days', '2', '-extfile', config, '-extensions', extensions, '-out', file(`${name}.crt`)]);
  };
  await sign('server', '/CN=localhost', 'server_ext', '2');
  await sign('client', '/CN=footfall test client', 'client_ext', '3');
  return {
    caFile: file('ca.crt'),
    serverCertFile: file('server.crt'),
    serverKeyFile: file('server.key'),
    clientCertFile: file('client.crt'),
    clientKeyFile: file('client.key'),
  };
}

function brokerConfig(dir: string, port: number, options: MosquittoOptions, tls: TlsFiles | undefined, passwordFile: string | undefined): string {
  const lines = [
    `listener ${port} 127.0.0.1`,
    `allow_anonymous ${passwordFile ? 'false' : 'true'}`,
    `log_dest file ${path.join(dir, LOG_FILE)}`,
    'log_type all',
    `persistence ${options.persistence ? 'true' : 'false'}`,
    `persistence_location ${dir}${path.sep}`,
  ];
  // Started as root, mosquitto would switch to the `mosquitto` user, which cannot use this directory.
  if (process.getuid?.() === 0) lines.push('user root');
  if (passwordFile) lines.push(`password_file ${passwordFile}`);
  if (tls) {
    lines.push(`cafile ${tls.caFile}`, `certfile ${tls.serverCertFile}`, `keyfile ${tls.serverKeyFile}`);
    lines.push(`require_certificate ${options.requireCertificate ? 'true' : 'false'}`);
  }
  return `${lines.join('\n')}\n`;
}

/** What mosquitto logged since `offset`. */
async function logSince(logFile: string, offset: number): Promise<string> {
  const log = await readFile(logFile).catch(() => Buffer.alloc(0));
  return log.subarray(offset).toString('utf8');
}

/**
 * Starts mosquitto and resolves once it says it runs and accepts connections (the log line tells
 * it apart from another process that took the port); rejects with its log if it exits.
 */
async function launch(configFile: string, port: number, logFile: string): Promise<ChildProcess> {
  const logOffset = (await stat(logFile).catch(() => undefined))?.size ?? 0;
  const child = spawn(MOSQUITTO, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  killLeftoversOnExit();
  running.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
    running.delete(child);
  });
  child.once('error', (err) => {
    exited = true;
    stderr += err.message;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!exited && Date.now() < deadline) {
    if ((await logSince(logFile, logOffset)).includes(' running') && (await acceptsConnections(port))) return child;
    await sleep(25);
  }
  child.kill('SIGKILL');
  const log = await logSince(logFile, logOffset);
  throw new Error(`mosquitto did not start on port ${port}: ${(stderr + log).trim().slice(-2000)}`);
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  // A frozen broker handles SIGTERM only once it runs again.
  child.kill('SIGCONT');
  const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'footfall-mosquitto-'));
  try {
    const wantsTls = options.tls === true || options.requireCertificate === true;
    const tls = wantsTls ? await generateTlsFiles(dir) : undefined;
    let passwordFile: string | undefined;
    if (options.passwordUser) {
      passwordFile = path.join(dir, 'passwd');
      await run('mosquitto_passwd', ['-b', '-c', passwordFile, options.passwordUser.user, options.passwordUser.password]);
    }
    const configFile = path.join(dir, 'mosquitto.conf');
    const logFile = path.join(dir, LOG_FILE);

    // A port chosen here can be taken by someone else before mosquitto binds it: try another.
    let port = 0;
    let child: ChildProcess | undefined;
    for (let attempt = 1; child === undefined; attempt++) {
      port = options.port ?? (await freePort());
      await writeFile(configFile, brokerConfig(dir, port, options, tls, passwordFile));
      try {
        child = await launch(configFile, port, logFile);
      } catch (err) {
        if (options.port !== undefined || attempt >= 3) throw err;
      }
    }

    let current: ChildProcess | undefined = child;
    let stopped = false;
    return {
      url: `${tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
      port,
      dir,
      logFile,
      caFile: tls?.caFile,
      clientCertFile: tls?.clientCertFile,
      clientKeyFile: tls?.clientKeyFile,
      log: () => readFile(logFile, 'utf8').catch(() => ''),
      async restart(whileDown) {
        if (current) await terminate(current);
        current = undefined;
        if (whileDown) await whileDown();
        if (stopped) return;
        current = await launch(configFile, port, logFile);
      },
      freeze() {
        current?.kill('SIGSTOP');
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        if (current) await terminate(current);
        current = undefined;
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

export interface ReceivedMessage {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
}

export interface SubscriberOptions {
  /** Default `#`. */
  topic?: string;
  /**
   * A persistent session (clean: false) under a fixed client id: with broker persistence, QoS 1
   * messages published while this subscriber or the broker is down are delivered afterwards.
   */
  persistentId?: string;
  /** TLS files, user name and password, passed to mqtt.js as they are. */
  connect?: IClientOptions;
}

export interface Subscriber {
  /** Everything received, in arrival order. */
  readonly messages: ReceivedMessage[];
  /** Messages on one topic, in arrival order. */
  on(topic: string): ReceivedMessage[];
  /** Resolves once `done(messages)` holds; rejects after `timeoutMs` naming what it waited for. */
  waitFor(done: (messages: ReceivedMessage[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Connects, subscribes with QoS 1 and resolves once the broker has acknowledged the subscription. */
export async function startSubscriber(url: string, options: SubscriberOptions = {}): Promise<Subscriber> {
  const persistent = options.persistentId !== undefined;
  const client: MqttClient = connect(url, {
    ...options.connect,
    clientId: options.persistentId ?? `footfall-test-sub-${process.pid}-${Math.random().toString(16).slice(2, 10)}`,
    clean: !persistent,
    reconnectPeriod: 200,
  });
  const messages: ReceivedMessage[] = [];
  const listeners = new Set<() => void>();
  client.on('message', (topic, payload, packet) => {
    messages.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain });
    for (const listener of listeners) listener();
  });
  // Connection errors while a broker restarts are expected; mqtt.js retries on its own.
  client.on('error', () => {});

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`subscriber could not connect to ${url}`)), READY_TIMEOUT_MS);
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await client.subscribeAsync(options.topic ?? '#', { qos: 1 });
  } catch (err) {
    client.end(true);
    throw err;
  }

  return {
    messages,
    on: (topic) => messages.filter((m) => m.topic === topic),
    waitFor(done, what, timeoutMs = 30_000) {
      if (done(messages)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!done(messages)) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          const seen = messages.map((m) => `${m.topic} ${m.payload.slice(0, 80)}`).join('\n  ');
          reject(new Error(`timed out waiting for ${what}; received:\n  ${seen}`));
        }, timeoutMs);
        listeners.add(check);
      });
    },
    close: () => client.endAsync(),
  };
}

/**
 * Starts brokers and subscribers and remembers them, so that one `afterEach(() => bed.cleanUp())`
 * stops them all, whatever a test left running.
 */
export class MqttTestBed {
  private readonly brokers: Mosquitto[] = [];
  private readonly subscribers: Subscriber[] = [];

  async broker(options?: MosquittoOptions): Promise<Mosquitto> {
    const broker = await startMosquitto(options);
    this.brokers.push(broker);
    return broker;
  }

  async subscriber(url: string, options?: SubscriberOptions): Promise<Subscriber> {
    const subscriber = await startSubscriber(url, options);
    this.subscribers.push(subscriber);
    return subscriber;
  }

  async cleanUp(): Promise<void> {
    await Promise.all(this.subscribers.splice(0).map((s) => s.close()));
    await Promise.all(this.brokers.splice(0).map((b) => b.stop()));
  }
}
