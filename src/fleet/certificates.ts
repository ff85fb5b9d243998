/**
 * The fleet's certificate authority and the sensors' client certificates, for brokers that
 * know sensors by certificate. Keys are made here (EC P-256, written 0600 from the start, so a
 * key is never readable by others even for a moment); openssl signs, since Node has no API for
 * X.509 certificates.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface FleetCa {
  certFile: string;
  keyFile: string;
}

export const CA_FILES = { cert: 'ca.crt', key: 'ca.key' } as const;

/** A new CA's validity: longer than any sensor stays, so that its certificates expire before it does. */
const CA_DAYS = 7300;

/** A certificate cannot be made; the message says what to do (exitCode: a sysexits code). */
export class CertificateError extends Error {
  override readonly name = 'CertificateError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

const EXTENSIONS = `[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

/** Runs openssl with a config holding the extensions above, in a directory removed afterwards. */
function openssl(args: (configFile: string) => string[], input?: Buffer): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-openssl-'));
  try {
    const configFile = path.join(dir, 'openssl.cnf');
    fs.writeFileSync(configFile, EXTENSIONS);
    return execFileSync('openssl', args(configFile), { input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    const { code, stderr } = error as NodeJS.ErrnoException & { stderr?: Buffer };
    if (code === 'ENOENT') throw new CertificateError('openssl is not installed: install it (apt-get install openssl), or use --auth password', 69);
    const why = stderr?.toString().trim().split('\n')[0] ?? (error as Error).message;
    throw new CertificateError(`openssl failed: ${why}`, 65);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A new private key in PEM, created with mode 0600; fails if the file exists. */
function writeNewKey(file: string): void {
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
}

const randomSerial = () => `0x${crypto.randomBytes(16).toString('hex')}`;

/**
 * The CA in `dir` (ca.crt and ca.key): the one there, or a new one when the directory has
 * neither. A CA is never replaced: the certificates it signed would stop working.
 */
export function ensureFleetCa(dir: string): { ca: FleetCa; created: boolean } {
  const ca = { certFile: path.join(dir, CA_FILES.cert), keyFile: path.join(dir, CA_FILES.key) };
  const hasCert = fs.existsSync(ca.certFile);
  const hasKey = fs.existsSync(ca.keyFile);
  if (hasCert && hasKey) return { ca, created: false };
  if (hasCert !== hasKey) {
    const missing = hasCert ? ca.keyFile : ca.certFile;
    throw new CertificateError(`${missing} is missing beside ${hasCert ? ca.certFile : ca.keyFile}: restore it, or give --ca an empty directory for a new CA`, 66);
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeNewKey(ca.keyFile);
  try {
    openssl((config) => [
      'req', '-x509', '-new', '-config', config, '-extensions', 'ca', '-key', ca.keyFile, '-subj', '/CN=footfall fleet CA',
      '-days', String(CA_DAYS), '-set_serial', randomSerial(), '-out', ca.certFile,
    ]);
  } catch (error) {
    fs.rmSync(ca.keyFile, { force: true });
    throw error;
  }
  fs.chmodSync(ca.certFile, 0o644);
  return { ca, created: true };
}

/** A new key (0600) and a client certificate for `commonName` signed by the CA (0644). */
export function issueClientCertificate(ca: FleetCa, commonName: string, days: number, keyFile: string, certFile: string): void {
  writeNewKey(keyFile);
  const request = openssl((config) => ['req', '-new', '-config', config, '-key', keyFile, '-subj', `/CN=${commonName}`]);
  openssl(
    (config) => [
      'x509', '-req', '-CA', ca.certFile, '-CAkey', ca.keyFile, '-set_serial', randomSerial(), '-days', String(days),
      '-extfile', config, '-extensions', 'client', '-out', certFile,
    ],
    request,
  );
  fs.chmodSync(certFile, 0o644);
}
