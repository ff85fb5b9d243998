/**
 * `footfall provision` on a CSV of sites, end to end: complete bundles with secrets 0600,
 * certificates that openssl verifies against the fleet CA, nothing replaced without --force,
 * and the ACL (and password file) given to a real mosquitto: each sensor publishes its reports
 * with its own bundle, and cannot publish under another sensor's topics.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, type IClientOptions } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFleetCa, issueClientCertificate } from '../src/fleet/certificates.js';
import { mosquittoPasswordLine } from '../src/fleet/mosquitto-files.js';
import { fileSink, PcapWriter } from '../src/sim/pcap-writer.js';
import { runCli } from './helpers/cli.js';
import { acceptsConnections, freePort, startSubscriber, type Subscriber } from './helpers/mosquitto.js';
import { probeFrame, testAddresses } from './helpers/probe-frames.js';

const MOSQUITTO = fs.existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';

let work: string;
let capture: string;
const brokers: ChildProcess[] = [];
const subscribers: Subscriber[] = [];

const modeOf = (file: string) => (fs.statSync(file).mode & 0o777).toString(8);
const inWork = (...parts: string[]) => path.join(work, ...parts);

/** Every file under `dir` with its mode, relative and sorted. */
function filesWithModes(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort().map((name) => `${name} ${modeOf(path.join(dir, name))}`);
}

/** A mosquitto on 127.0.0.1:port with these config lines, running until the tests end. */
async function startBroker(name: string, port: number, lines: string[]): Promise<void> {
  const config = inWork(`${name}.conf`);
  const root = process.getuid?.() === 0 ? ['user root'] : [];
  fs.writeFileSync(config, [`listener ${port} 127.0.0.1`, `log_dest file ${inWork(`${name}.log`)}`, 'log_type all', ...root, ...lines, ''].join('\n'));
  const child = spawn(MOSQUITTO, ['-c', config], { stdio: 'ignore' });
  brokers.push(child);
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    if (child.exitCode !== null) break;
    if (await acceptsConnections(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`mosquitto did not start: ${fs.readFileSync(inWork(`${name}.log`), 'utf8').slice(-2000)}`);
}

/** Connects as a sensor (or anyone), publishes each topic with QoS 1, and disconnects. */
async function publishAs(url: string, options: IClientOptions, topics: string[]): Promise<void> {
  const client = await new Promise<ReturnType<typeof connect>>((resolve, reject) => {
    const c = connect(url, { ...options, reconnectPeriod: 0 });
    c.once('connect', () => resolve(c));
    c.once('error', (error) => {
      c.end(true);
      reject(error);
    });
  });
  for (const topic of topics) await client.publishAsync(topic, 'x', { qos: 1 });
  await client.endAsync();
}

/** `footfall replay --publish` on the test capture with a bundle's config, its secrets given where they are. */
function replayWithBundle(bundle: string, env: Record<string, string>) {
  return runCli(['replay', capture, '--publish', '--config', path.join(bundle, 'footfall.yaml'), '--log-level', 'warn'], env);
}

const sitesCsv = (url: string) =>
  `sensor,site,mqtt_url,zones_wifi\nstore-12-entrance,"Store 12, Leeds",${url},"inside=-65,nearby=-80"\nstore-14,Store 14,${url},\n`;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-provision-'));
  capture = inWork('probes.pcap');
  const writer = new PcapWriter(fileSink(capture), { linkType: 127 });
  testAddresses(3).forEach((address, i) => writer.write(Date.UTC(2026, 0, 5, 10) + i, probeFrame(address, i)));
  writer.close();
});

afterAll(async () => {
  await Promise.all(subscribers.map((subscriber) => subscriber.close()));
  for (const broker of brokers) broker.kill('SIGKILL');
  fs.rmSync(work, { recursive: true, force: true });
});

describe('footfall provision with client certificates', () => {
  let port: number;
  let url: string;
  const out = () => inWork('cert-bundles');
  const bundle = (sensor: string) => path.join(out(), sensor, 'footfall');

  beforeAll(async () => {
    port = await freePort();
    url = `mqtts://127.0.0.1:${port}`;
    fs.writeFileSync(inWork('sites.csv'), sitesCsv(url));
  });

  it('writes a complete bundle per sensor, secrets 0600, with certificates that verify against a new CA', async () => {
    // The broker's certificate comes from a CA of its own, which the sensors are given to trust.
    const brokerCa = ensureFleetCa(inWork('broker-ca')).ca;
    const result = await runCli(['provision', '--sites', inWork('sites.csv'), '--out', out(), '--ca', inWork('fleet-ca'), '--broker-ca', brokerCa.certFile]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('2 bundles, client certificates signed by');
    expect(result.stdout).toContain('(a new CA: keep its key safe, and off the cards)');

    expect(filesWithModes(inWork('fleet-ca'))).toEqual(['ca.crt 644', 'ca.key 600']);
    expect(filesWithModes(out())).toEqual([
      'mosquitto 700', 'mosquitto/footfall.acl 644',
      'store-12-entrance 700', 'store-12-entrance/footfall 700', 'store-12-entrance/footfall/ca.crt 644',
      'store-12-entrance/footfall/client.crt 644', 'store-12-entrance/footfall/client.key 600', 'store-12-entrance/footfall/footfall.yaml 644',
      'store-14 700', 'store-14/footfall 700', 'store-14/footfall/ca.crt 644',
      'store-14/footfall/client.crt 644', 'store-14/footfall/client.key 600', 'store-14/footfall/footfall.yaml 644',
    ]);

    for (const sensor of ['store-12-entrance', 'store-14']) {
      const cert = path.join(bundle(sensor), 'client.crt');
      const verified = execFileSync('openssl', ['verify', '-purpose', 'sslclient', '-CAfile', inWork('fleet-ca/ca.crt'), cert], { encoding: 'utf8' });
      expect(verified.trim()).toBe(`${cert}: OK`);
      expect(execFileSync('openssl', ['x509', '-in', cert, '-noout', '-subject'], { encoding: 'utf8' }).trim()).toBe(`subject=CN = ${sensor}`);
      // The key is the certificate's.
      const publicKey = (args: string[]) => execFileSync('openssl', args, { encoding: 'utf8' });
      expect(publicKey(['pkey', '-in', path.join(bundle(sensor), 'client.key'), '-pubout'])).toBe(publicKey(['x509', '-in', cert, '-noout', '-pubkey']));
      expect(fs.readFileSync(path.join(bundle(sensor), 'ca.crt'), 'utf8')).toBe(fs.readFileSync(brokerCa.certFile, 'utf8'));
    }
    const config = fs.readFileSync(path.join(bundle('store-12-entrance'), 'footfall.yaml'), 'utf8');
    expect(config).toContain(`  url: ${url}\n`);
    expect(config).toContain('zones:\n  wifi: { inside: -65, nearby: -80 }\n');
  });

  it('replaces nothing without --force, and with it writes new secrets signed by the same CA', async () => {
    const key = path.join(bundle('store-14'), 'client.key');
    const before = { key: fs.readFileSync(key, 'utf8'), ca: fs.readFileSync(inWork('fleet-ca/ca.crt'), 'utf8') };
    const args = ['provision', '--sites', inWork('sites.csv'), '--out', out(), '--ca', inWork('fleet-ca'), '--broker-ca', inWork('broker-ca/ca.crt')];

    const refused = await runCli(args);
    expect(refused.code).toBe(73);
    expect(refused.stderr).toBe(`footfall: ${path.join(out(), 'store-12-entrance')} exists (and 2 more): give --force to write it anew (new secrets), or another --out\n`);
    expect(fs.readFileSync(key, 'utf8')).toBe(before.key);

    const forced = await runCli([...args, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).not.toContain('a new CA');
    expect(fs.readFileSync(key, 'utf8')).not.toBe(before.key);
    expect(fs.readFileSync(inWork('fleet-ca/ca.crt'), 'utf8')).toBe(before.ca);
    expect(modeOf(key)).toBe('600');
    expect(fs.readdirSync(out()).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('confines each sensor to its own topics on a mosquitto given the ACL', async () => {
    // The broker's server certificate, from the broker's CA.
    const extensions = inWork('server.cnf');
    fs.writeFileSync(extensions, '[server]\nsubjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n');
    execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', inWork('server.key'), '-subj', '/CN=127.0.0.1', '-out', inWork('server.csr')], { stdio: 'ignore' });
    execFileSync('openssl', ['x509', '-req', '-in', inWork('server.csr'), '-CA', inWork('broker-ca/ca.crt'), '-CAkey', inWork('broker-ca/ca.key'),
      '-set_serial', '2', '-days', '2', '-extfile', extensions, '-extensions', 'server', '-out', inWork('server.crt')], { stdio: 'ignore' });
    // A reader of everything, as the installer adds one: the provisioned ACL and one more user.
    const acl = inWork('cert.acl');
    fs.writeFileSync(acl, `${fs.readFileSync(path.join(out(), 'mosquitto/footfall.acl'), 'utf8')}\nuser observer\ntopic read footfall/#\n`);
    const observerDir = inWork('observer');
    fs.mkdirSync(observerDir);
    const fleetCa = { certFile: inWork('fleet-ca/ca.crt'), keyFile: inWork('fleet-ca/ca.key') };
    issueClientCertificate(fleetCa, 'observer', 2, path.join(observerDir, 'client.key'), path.join(observerDir, 'client.crt'));
    await startBroker('cert', port, [
      `cafile ${fleetCa.certFile}`, `certfile ${inWork('server.crt')}`, `keyfile ${inWork('server.key')}`,
      'require_certificate true', 'use_identity_as_username true', `acl_file ${acl}`,
    ]);

    const tls = (dir: string): IClientOptions => ({
      ca: fs.readFileSync(inWork('broker-ca/ca.crt')),
      cert: fs.readFileSync(path.join(dir, 'client.crt')),
      key: fs.readFileSync(path.join(dir, 'client.key')),
    });
    const observer = await startSubscriber(url, { topic: 'footfall/#', connect: tls(observerDir) });
    subscribers.push(observer);

    // The sensor's own config and secrets publish its report.
    const sensor = bundle('store-12-entrance');
    const secrets = {
      FOOTFALL_MQTT_CERT_FILE: path.join(sensor, 'client.crt'),
      FOOTFALL_MQTT_KEY_FILE: path.join(sensor, 'client.key'),
      FOOTFALL_MQTT_CA_FILE: path.join(sensor, 'ca.crt'),
    };
    const replay = await replayWithBundle(sensor, secrets);
    expect(replay.code, replay.stderr).toBe(0);
    await observer.waitFor((messages) => messages.some((m) => m.topic === 'footfall/store-12-entrance/report'), "store-12-entrance's report");

    // With its certificate, a sensor's messages under another sensor's topics go nowhere, and
    // neither do those of a sensor that claims another's id in its config.
    await publishAs(url, tls(sensor), ['footfall/store-14/report', 'footfall/store-14/status', 'footfall/store-12-entrance/marker']);
    const impostor = await replayWithBundle(sensor, { ...secrets, FOOTFALL_SENSOR_ID: 'store-14' });
    expect(impostor.code, impostor.stderr).toBe(0);
    await publishAs(url, tls(sensor), ['footfall/store-12-entrance/marker']);
    await observer.waitFor((messages) => messages.filter((m) => m.topic === 'footfall/store-12-entrance/marker').length === 2, 'both markers');
    expect(observer.messages.filter((m) => m.topic.startsWith('footfall/store-14/'))).toEqual([]);
    // The other sensor's own certificate does reach its topics.
    await publishAs(url, tls(bundle('store-14')), ['footfall/store-14/report']);
    await observer.waitFor((messages) => messages.some((m) => m.topic === 'footfall/store-14/report'), "store-14's report");
  });
});

describe('footfall provision with passwords', () => {
  it('writes a password per sensor (0600) and a mosquitto password file with which each sensor publishes only under its own topics', async () => {
    const port = await freePort();
    const url = `mqtt://127.0.0.1:${port}`;
    fs.writeFileSync(inWork('sites-password.csv'), sitesCsv(url));
    const out = inWork('password-bundles');
    const result = await runCli(['provision', '--sites', inWork('sites-password.csv'), '--out', out, '--auth', 'password']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`footfall: warning: ${url} (line 2) is not TLS`);
    expect(filesWithModes(path.join(out, 'store-14'))).toEqual(['footfall 700', 'footfall/footfall.yaml 644', 'footfall/mqtt-password 600']);
    expect(filesWithModes(path.join(out, 'mosquitto'))).toEqual(['footfall.acl 644', 'footfall.passwd 600']);
    const config = fs.readFileSync(path.join(out, 'store-14/footfall/footfall.yaml'), 'utf8');
    expect(config).toContain('  username: store-14\n  password_file: /etc/footfall/mqtt-password\n');

    const passwords = inWork('password.passwd');
    fs.writeFileSync(passwords, `${fs.readFileSync(path.join(out, 'mosquitto/footfall.passwd'), 'utf8')}${mosquittoPasswordLine('observer', 'watching')}\n`);
    const acl = inWork('password.acl');
    fs.writeFileSync(acl, `${fs.readFileSync(path.join(out, 'mosquitto/footfall.acl'), 'utf8')}\nuser observer\ntopic read footfall/#\n`);
    await startBroker('password', port, ['allow_anonymous false', `password_file ${passwords}`, `acl_file ${acl}`]);
    const observer = await startSubscriber(url, { topic: 'footfall/#', connect: { username: 'observer', password: 'watching' } });
    subscribers.push(observer);

    const sensor = path.join(out, 'store-12-entrance/footfall');
    const password = path.join(sensor, 'mqtt-password');
    const replay = await replayWithBundle(sensor, { FOOTFALL_MQTT_PASSWORD_FILE: password });
    expect(replay.code, replay.stderr).toBe(0);
    await observer.waitFor((messages) => messages.some((m) => m.topic === 'footfall/store-12-entrance/report'), "store-12-entrance's report");

    const login = { username: 'store-12-entrance', password: fs.readFileSync(password, 'utf8').trim() };
    await publishAs(url, login, ['footfall/store-14/report', 'footfall/store-12-entrance/marker']);
    await observer.waitFor((messages) => messages.some((m) => m.topic === 'footfall/store-12-entrance/marker'), 'the marker');
    expect(observer.messages.filter((m) => m.topic.startsWith('footfall/store-14/'))).toEqual([]);
    await expect(publishAs(url, { ...login, password: 'guessed' }, ['footfall/store-12-entrance/report'])).rejects.toThrow(/Not authorized/i);
  });
});

describe('footfall provision refuses bad input in one line with its sysexits code', () => {
  // Arguments starting with @ name files in the test's directory.
  it.each([
    ['a missing sites file', ['--sites', '@nowhere.csv', '--out', '@x'], 66, /^footfall: --sites nowhere\.csv cannot be read \(ENOENT\): give a readable file$/],
    ['a mistake in the CSV', ['--sites', '@bad.csv', '--out', '@x', '--auth', 'password'], 65, /^footfall: bad\.csv line 3: sensor "store 2" is not allowed: must be 1 to 64/],
    ['a plain URL for certificates', ['--sites', '@plain.csv', '--out', '@x', '--ca', '@ca'], 65, /^footfall: plain\.csv line 2: mqtt:\/\/broker is not TLS, so a client certificate cannot be used/],
    ['certificates without a CA', ['--sites', '@tls.csv', '--out', '@x'], 64, /^footfall: --auth certificate needs --ca DIR/],
    ['an unknown --auth', ['--sites', '@tls.csv', '--out', '@x', '--auth', 'token'], 64, /^footfall: --auth token: must be certificate or password$/],
    ['a template that is not a config', ['--sites', '@tls.csv', '--out', '@x', '--auth', 'password', '--template', '@template.yaml'], 78, /^footfall: bad configuration; fix these and try again:\n {2}mqtt\.colour: unknown key/],
  ])('%s', async (_, args, code, message) => {
    const dir = inWork('bad-input');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'bad.csv'), 'sensor,site,mqtt_url\nstore-1,A,mqtt://broker\nstore 2,B,mqtt://broker\n');
    fs.writeFileSync(path.join(dir, 'plain.csv'), 'sensor,site,mqtt_url\nstore-1,A,mqtt://broker\n');
    fs.writeFileSync(path.join(dir, 'tls.csv'), 'sensor,site,mqtt_url\nstore-1,A,mqtts://broker\n');
    fs.writeFileSync(path.join(dir, 'template.yaml'), 'mqtt:\n  colour: blue\n');
    const result = await runCli(['provision', ...args.map((arg) => (arg.startsWith('@') ? path.join(dir, arg.slice(1)) : arg))]);
    expect(result.code).toBe(code);
    expect(result.stderr.replaceAll(`${dir}/`, '').trimEnd()).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(dir, 'x'))).toBe(false);
  });
});
