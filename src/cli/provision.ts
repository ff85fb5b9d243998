/**
 * `footfall provision` on the installer's machine: a bundle per sensor of a sites file, for the
 * sensors' boot partitions, and the broker's ACL. `footfall provision import` on the sensor (its
 * first-boot unit runs it): the boot partition's bundle into /etc/footfall.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { schema } from '../config/schema.js';
import { EXIT, OperatorError } from './errors.js';

interface ProvisionCommandOptions {
  sites?: string;
  out?: string;
  auth: string;
  ca?: string;
  brokerCa?: string;
  mqttUrl?: string;
  template?: string;
  topicPrefix: string;
  days: string;
  force?: boolean;
}

interface ImportCommandOptions {
  root: string;
  bundle?: string;
}

const AUTH_MODES = ['certificate', 'password'] as const;
const MAX_DAYS = 36_500;

function readInput(file: string, option: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new OperatorError(`${option} ${file} cannot be read (${(error as NodeJS.ErrnoException).code}): give a readable file`, EXIT.noInput);
  }
}

async function provision(options: ProvisionCommandOptions): Promise<void> {
  // Checked here, not by commander, which would ask them of `provision import` too.
  const { sites: sitesFile, out } = options;
  if (sitesFile === undefined || out === undefined) throw new OperatorError('provision needs --sites FILE and --out DIR (footfall provision --help)', EXIT.usage);
  const auth = AUTH_MODES.find((mode) => mode === options.auth);
  if (auth === undefined) throw new OperatorError(`--auth ${options.auth}: must be ${AUTH_MODES.join(' or ')}`, EXIT.usage);
  const days = Number(options.days);
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) throw new OperatorError(`--days ${options.days}: must be a whole number of days from 1 to ${MAX_DAYS}`, EXIT.usage);
  const prefix = schema.mqtt.topic_prefix.parse(options.topicPrefix, true);
  if (!prefix.ok) throw new OperatorError(`--topic-prefix ${JSON.stringify(options.topicPrefix)}: must be ${prefix.allowed}`, EXIT.usage);

  const { parseSites, SitesError } = await import('../fleet/sites-csv.js');
  const { provisionFleet } = await import('../fleet/provision.js');
  const { UneditableConfigError } = await import('../config/edit.js');

  let sites;
  try {
    sites = parseSites(readInput(sitesFile, '--sites'), options.mqttUrl);
  } catch (error) {
    if (error instanceof SitesError) throw new OperatorError(`${sitesFile} ${error.message}`, error.exitCode);
    throw error;
  }
  const plain = sites.find((site) => !/^(mqtts|wss):/.test(site.mqttUrl));
  if (plain && auth === 'certificate') {
    throw new OperatorError(`${sitesFile} line ${plain.line}: ${plain.mqttUrl} is not TLS, so a client certificate cannot be used: write mqtts:// (or wss://), or give --auth password`, EXIT.dataError);
  }
  if (plain) process.stderr.write(`footfall: warning: ${plain.mqttUrl} (line ${plain.line}) is not TLS: the sensor's password crosses the network in clear\n`);

  let result;
  try {
    result = provisionFleet({
      sites,
      outDir: out,
      auth,
      ...(options.ca !== undefined && { caDir: options.ca }),
      ...(options.brokerCa !== undefined && { brokerCaFile: options.brokerCa }),
      ...(options.template !== undefined && { template: { text: readInput(options.template, '--template'), file: options.template } }),
      topicPrefix: prefix.value,
      days,
      force: options.force === true,
    });
  } catch (error) {
    if (error instanceof UneditableConfigError) throw new OperatorError(`--template ${options.template}: ${error.message}`, EXIT.config);
    throw error;
  }

  const how = result.ca
    ? `client certificates signed by ${result.ca.certFile}${result.ca.created ? ' (a new CA: keep its key safe, and off the cards)' : ''}`
    : 'a password each';
  const width = Math.max(...result.bundles.map((bundle) => bundle.sensorId.length));
  const lines = [
    `footfall provision: ${result.bundles.length} bundle${result.bundles.length === 1 ? '' : 's'}, ${how}`,
    ...result.bundles.map((bundle) => `  ${bundle.sensorId.padEnd(width)}  ${bundle.dir}`),
    `Copy each sensor's ${path.basename(result.bundles[0]!.dir)} folder onto its card's boot partition (the one with config.txt).`,
    `The broker: ${result.aclFile} as mosquitto's acl_file${
      result.passwordFile
        ? `, and ${result.passwordFile} as its password_file.`
        : `; on its TLS listener require_certificate true, use_identity_as_username true and cafile ${result.ca!.certFile}.`
    }`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function importBundle(options: ImportCommandOptions): Promise<void> {
  const { BOOT_BUNDLE_DIRS, findBootBundle, REFUSAL_NOTE } = await import('../fleet/boot-bundle.js');
  const { importBootBundle, BundleRefusedError } = await import('../fleet/bundle-import.js');
  const root = path.resolve(options.root);
  const bundleDir = options.bundle ?? findBootBundle(root);
  if (bundleDir === undefined) {
    process.stdout.write(`footfall: no bundle in ${BOOT_BUNDLE_DIRS.join(' or ')}: nothing to import\n`);
    return;
  }
  if (process.getuid?.() !== 0) throw new OperatorError('provision import gives the files to root and the footfall group: run it as root', EXIT.noPermission);
  let result;
  try {
    result = importBootBundle({ root, bundleDir });
  } catch (error) {
    if (error instanceof BundleRefusedError) {
      throw new OperatorError(`the bundle in ${bundleDir} is refused: ${error.message}; it stays there, with this reason in ${REFUSAL_NOTE}`, error.exitCode);
    }
    throw error;
  }
  const id = result.sensorId === undefined ? 'a sensor named by its host name (no id in the bundle, no serial number)' : `sensor ${result.sensorId} (from the ${result.sensorIdFrom})`;
  process.stdout.write(`footfall: imported ${bundleDir} into ${path.join(root, 'etc/footfall')} (${result.imported.join(', ')}) for ${id}; ${result.daemon}\n`);
  if (result.notRemoved !== undefined) process.stderr.write(`footfall: warning: ${result.notRemoved}\n`);
}

export function registerProvisionCommand(program: Command): void {
  const command = program
    .command('provision')
    .description("write a bundle per sensor of a sites CSV (config, and a client certificate or password) and the broker's ACL")
    .option('--sites <file>', 'CSV with a header: sensor, site, and optionally mqtt_url, zones_wifi, zones_ble')
    .option('--out <dir>', 'where the bundles go: <dir>/<sensor>/footfall, and <dir>/mosquitto for the broker')
    .option('--auth <mode>', `how the broker knows a sensor: ${AUTH_MODES.join(' or ')}`, 'certificate')
    .option('--ca <dir>', 'the fleet CA (ca.crt and ca.key), made there when the directory has none; for --auth certificate')
    .option('--broker-ca <file>', "CA of the broker's certificate, for the sensors to trust (default: the system's CAs)")
    .option('--mqtt-url <url>', 'broker URL for the rows without mqtt_url')
    .option('--template <file>', "a config whose settings every sensor's config starts from")
    .option('--topic-prefix <prefix>', 'the sensors publish under <prefix>/<sensor>/', 'footfall')
    .option('--days <n>', 'validity of new certificates, in days', '1825')
    .option('--force', 'write bundles and broker files anew where they exist (new secrets)')
    .action(provision);

  command
    .command('import')
    .description("on the sensor, at first boot: import the boot partition's bundle into /etc/footfall and enable the daemon")
    .option('--root <dir>', 'the system to import into', '/')
    .option('--bundle <dir>', 'the bundle (default: /boot/firmware/footfall, else /boot/footfall)')
    .action(importBundle);
}
