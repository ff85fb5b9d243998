/**
 * `footfall provision`'s work on the installer's machine: a bundle per sensor of the sites file
 * (its footfall.yaml and its secrets: a key and a certificate signed by the fleet's CA, or a
 * password), and the broker's ACL (and password file). Every bundle is made and checked in a
 * staging directory first, and the bundles take their places only when all of them are good.
 * Secrets are written 0600; nothing that exists is replaced without `force`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config/load.js';
import { ensureFleetCa, issueClientCertificate, type FleetCa } from './certificates.js';
import { mosquittoPasswordLine, newSensorPassword, renderAcl } from './mosquitto-files.js';
import { BUNDLE_FILES, checkConfigWithFiles, nameInConfigDir, renderSensorConfig, type SensorAuth } from './sensor-config.js';
import type { Site } from './sites-csv.js';

/** The folder of a sensor's output that goes onto its boot partition, as it is. */
export const BUNDLE_DIR_NAME = 'footfall';
/** The broker's files in the output. */
export const BROKER_FILES = { dir: 'mosquitto', acl: 'footfall.acl', passwords: 'footfall.passwd' } as const;

export interface ProvisionOptions {
  sites: readonly Site[];
  outDir: string;
  auth: SensorAuth;
  /** The fleet CA's directory (ca.crt, ca.key); made when empty. Needed for certificates. */
  caDir?: string;
  /** The CA of the broker's certificate, for sensors to trust; none: the system's CAs. */
  brokerCaFile?: string;
  /** A config every sensor's config starts from, and its file name for messages. */
  template?: { text: string; file: string };
  topicPrefix: string;
  /** Validity of new client certificates. */
  days: number;
  force: boolean;
}

export interface ProvisionResult {
  /** Per sensor: the folder to copy onto its boot partition. */
  bundles: { sensorId: string; dir: string }[];
  aclFile: string;
  passwordFile?: string;
  ca?: FleetCa & { created: boolean };
}

/** Provisioning cannot go on; the message says what to do (exitCode: a sysexits code). */
export class ProvisionError extends Error {
  override readonly name = 'ProvisionError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

const SECRET = 0o600;
const PUBLIC = 0o644;
const PRIVATE_DIR = 0o700;

function writeFile(file: string, text: string | Buffer, mode: number): void {
  fs.writeFileSync(file, text, { mode, flag: 'wx' });
}

/** Replaces `file` by a complete new one, with its mode from the start. */
function replaceFile(file: string, text: string, mode: number): void {
  const temporary = `${file}.new`;
  fs.rmSync(temporary, { force: true });
  writeFile(temporary, text, mode);
  fs.renameSync(temporary, file);
}

function readBrokerCa(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new ProvisionError(`--broker-ca ${file} is not a readable file: give the PEM file of the CA that signed the broker's certificate`, 66);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new ProvisionError(`--broker-ca ${file} holds no PEM certificate`, 65);
  return text;
}

/** Everything this run would write that exists already: a list of paths, empty with `force`. */
function existingTargets(options: ProvisionOptions): string[] {
  if (options.force) return [];
  const broker = path.join(options.outDir, BROKER_FILES.dir);
  const targets = [
    ...options.sites.map((site) => path.join(options.outDir, site.sensorId)),
    path.join(broker, BROKER_FILES.acl),
    ...(options.auth === 'password' ? [path.join(broker, BROKER_FILES.passwords)] : []),
  ];
  return targets.filter((target) => fs.existsSync(target));
}

/**
 * One sensor's bundle in `staging/footfall/`: config and secrets, the config checked with the
 * files where they are. Returns the password file's line for the broker in password mode.
 */
function writeBundle(site: Site, staging: string, options: ProvisionOptions, ca: FleetCa | undefined, brokerCa: string | undefined): string | undefined {
  const bundle = path.join(staging, BUNDLE_DIR_NAME);
  fs.mkdirSync(bundle, { recursive: true, mode: PRIVATE_DIR });
  const file = (name: string) => path.join(bundle, name);

  let passwordLine: string | undefined;
  if (options.auth === 'password') {
    const password = newSensorPassword();
    writeFile(file(BUNDLE_FILES.password), `${password}\n`, SECRET);
    passwordLine = mosquittoPasswordLine(site.sensorId, password);
  } else {
    issueClientCertificate(ca!, site.sensorId, options.days, file(BUNDLE_FILES.key), file(BUNDLE_FILES.certificate));
  }
  if (brokerCa !== undefined) writeFile(file(BUNDLE_FILES.brokerCa), brokerCa, PUBLIC);

  const config = renderSensorConfig({
    site,
    topicPrefix: options.topicPrefix,
    auth: options.auth,
    brokerCa: brokerCa !== undefined,
    ...(options.template && { template: options.template.text }),
  });
  const configFile = path.join(options.outDir, site.sensorId, BUNDLE_DIR_NAME, BUNDLE_FILES.config);
  const issues = checkConfigWithFiles(config, options.template?.file ?? configFile, (configured) => {
    const name = nameInConfigDir(configured);
    return name === undefined ? configured : file(name);
  });
  if (issues.length > 0) throw new ConfigError(issues);
  writeFile(file(BUNDLE_FILES.config), config, PUBLIC);
  return passwordLine;
}

export function provisionFleet(options: ProvisionOptions): ProvisionResult {
  const clash = options.sites.find((site) => site.sensorId.toLowerCase() === BROKER_FILES.dir);
  if (clash) throw new ProvisionError(`line ${clash.line}: the sensor id ${clash.sensorId} is the name of the broker's folder in --out: choose another`, 65);
  const existing = existingTargets(options);
  if (existing.length > 0) {
    const more = existing.length > 1 ? ` (and ${existing.length - 1} more)` : '';
    throw new ProvisionError(`${existing[0]} exists${more}: give --force to write it anew (new secrets), or another --out`, 73);
  }
  if (options.auth === 'certificate' && options.caDir === undefined) {
    throw new ProvisionError('--auth certificate needs --ca DIR: the fleet CA there, or an empty directory for a new one', 64);
  }
  const brokerCa = options.brokerCaFile === undefined ? undefined : readBrokerCa(options.brokerCaFile);
  // What this run creates goes again if it fails: a failed run leaves things as they were.
  const made: string[] = [];
  const passwordLines: string[] = [];
  const staged = new Map<Site, string>();
  let ca: ReturnType<typeof ensureFleetCa> | undefined;
  try {
    if (!fs.existsSync(options.outDir)) made.push(options.outDir);
    try {
      fs.mkdirSync(options.outDir, { recursive: true, mode: PRIVATE_DIR });
    } catch (error) {
      throw new ProvisionError(`cannot create ${options.outDir}: ${(error as NodeJS.ErrnoException).code}; give a writable --out`, 73);
    }
    if (options.auth === 'certificate') {
      if (!fs.existsSync(options.caDir!)) made.push(options.caDir!);
      ca = ensureFleetCa(options.caDir!);
      if (ca.created) made.push(ca.ca.certFile, ca.ca.keyFile);
    }
    for (const site of options.sites) {
      const staging = path.join(options.outDir, `.${site.sensorId}.new`);
      fs.rmSync(staging, { recursive: true, force: true });
      fs.mkdirSync(staging, { mode: PRIVATE_DIR });
      staged.set(site, staging);
      made.push(staging);
      const line = writeBundle(site, staging, options, ca?.ca, brokerCa);
      if (line !== undefined) passwordLines.push(line);
    }
  } catch (error) {
    for (const target of made.reverse()) fs.rmSync(target, { recursive: true, force: true });
    throw error;
  }

  const bundles = options.sites.map((site) => {
    const final = path.join(options.outDir, site.sensorId);
    fs.rmSync(final, { recursive: true, force: true });
    fs.renameSync(staged.get(site)!, final);
    return { sensorId: site.sensorId, dir: path.join(final, BUNDLE_DIR_NAME) };
  });

  const broker = path.join(options.outDir, BROKER_FILES.dir);
  fs.mkdirSync(broker, { recursive: true, mode: PRIVATE_DIR });
  const aclFile = path.join(broker, BROKER_FILES.acl);
  replaceFile(aclFile, renderAcl(options.sites, options.topicPrefix), PUBLIC);
  let passwordFile: string | undefined;
  if (options.auth === 'password') {
    passwordFile = path.join(broker, BROKER_FILES.passwords);
    replaceFile(passwordFile, `${passwordLines.join('\n')}\n`, SECRET);
  }
  return { bundles, aclFile, ...(passwordFile && { passwordFile }), ...(ca && { ca: { ...ca.ca, created: ca.created } }) };
}
