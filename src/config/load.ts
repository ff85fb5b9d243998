/**
 * Loads the configuration: built-in defaults, then the YAML file, then FOOTFALL_* environment
 * variables, then command-line flags, each later one winning. Every problem is collected, so an
 * installer sees all of them at once, each naming its key, its value and what is allowed.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { isSection, listFields, schema, type Config } from './schema.js';

export const DEFAULT_CONFIG_PATH = '/etc/footfall/footfall.yaml';

export interface ConfigIssue {
  key: string;
  /** Where the bad value came from: the file, an environment variable or a flag. */
  origin: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatIssue(issue: ConfigIssue): string {
  return `${issue.key}: ${issue.message} (${issue.origin})`;
}

export interface ConfigSources {
  /** The config file; a missing file is an error only when it was asked for explicitly. */
  file: string;
  fileExplicit: boolean;
  env: Record<string, string | undefined>;
  /** Values from command-line flags, by dotted key. */
  flags?: Record<string, string | undefined>;
  /** The file's text when it is in hand already (a file about to be written): then it is not read. */
  text?: string;
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function readFile(sources: ConfigSources, issues: ConfigIssue[]): Record<string, unknown> {
  let content: string;
  try {
    content = sources.text ?? fs.readFileSync(sources.file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !sources.fileExplicit) return {};
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable' : `cannot be read (${code})`;
    issues.push({ key: 'config', origin: '--config', message: `the file ${sources.file} ${why}` });
    return {};
  }
  // The YAML parser loads only when there is a file: a daemon on built-in defaults starts faster.
  const { parseDocument } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  const doc = parseDocument(content, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const at = error.linePos?.[0];
      const where = at ? `line ${at.line}, column ${at.col}` : 'somewhere';
      const reason = (error.message.split('\n')[0] ?? error.code).replace(/ at line \d+, column \d+:?$/, '');
      issues.push({ key: 'config', origin: sources.file, message: `YAML syntax error at ${where}: ${reason}` });
    }
    return {};
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    issues.push({ key: 'config', origin: sources.file, message: 'the file must be a YAML mapping of sections (sensor:, mqtt:, ...)' });
    return {};
  }
  return data as Record<string, unknown>;
}

/**
 * Keys that were one field and are a section now: their old form, in the file or in its old
 * environment variable, gets one line that says what to write instead.
 */
const RESHAPED: Record<string, { env: string; file: string; environment: string }> = {
  zones: {
    env: 'FOOTFALL_ZONES',
    file: 'zones are per source now: write them under zones.wifi and zones.ble (e.g. zones: {wifi: {inside: -65}, ble: {inside: -75}})',
    environment: 'zones are per source now: set FOOTFALL_ZONES_WIFI and FOOTFALL_ZONES_BLE instead',
  },
};

/** Reports keys in the file that the schema does not know, and sections that are not mappings. */
function checkShape(data: Record<string, unknown>, spec: object, prefix: string, origin: string, issues: ConfigIssue[]) {
  for (const [name, value] of Object.entries(data)) {
    const key = prefix ? `${prefix}.${name}` : name;
    const child = (spec as Record<string, unknown>)[name];
    if (child === undefined) {
      const known = Object.keys(spec).join(', ');
      issues.push({ key, origin, message: `unknown key; known keys${prefix ? ` in ${prefix}` : ''}: ${known}` });
    } else if (isSection(child)) {
      if (value === null) continue;
      if (typeof value !== 'object' || Array.isArray(value)) {
        issues.push({ key, origin, message: `${describe(value)} is not allowed: must be a section with keys ${Object.keys(child).join(', ')}` });
      } else if (RESHAPED[key] !== undefined && Object.keys(value).some((inner) => !Object.hasOwn(child, inner))) {
        issues.push({ key, origin, message: RESHAPED[key].file });
      } else {
        checkShape(value as Record<string, unknown>, child, key, origin, issues);
      }
    }
  }
}

function lookup(data: Record<string, unknown>, key: string): unknown {
  let node: unknown = data;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function assign(target: Record<string, unknown>, key: string, value: unknown) {
  const parts = key.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
  node[parts[parts.length - 1]!] = value;
}

/** Checks that go across keys or look at the machine (files the config points at). */
function checkCombinations(config: Config, issues: ConfigIssue[], originOf: (key: string) => string) {
  const { mqtt, capture } = config;
  if (!capture.wifi.enabled && !capture.ble.enabled) {
    issues.push({ key: 'capture.wifi.enabled', origin: originOf('capture.wifi.enabled'), message: 'false together with capture.ble.enabled leaves nothing to count: enable one' });
  }
  if ((mqtt.cert_file === null) !== (mqtt.key_file === null)) {
    const missing = mqtt.cert_file === null ? 'mqtt.cert_file' : 'mqtt.key_file';
    issues.push({ key: missing, origin: originOf(missing), message: 'must be set too: a client certificate needs both cert_file and key_file' });
  }
  for (const key of ['password_file', 'ca_file', 'cert_file', 'key_file'] as const) {
    const file = mqtt[key];
    if (file === null) continue;
    try {
      fs.accessSync(file, fs.constants.R_OK);
    } catch {
      issues.push({ key: `mqtt.${key}`, origin: originOf(`mqtt.${key}`), message: `${describe(file)} is not a readable file` });
    }
  }
  if (mqtt.password_file !== null && mqtt.username === null) {
    issues.push({ key: 'mqtt.username', origin: originOf('mqtt.username'), message: 'must be set when mqtt.password_file is set' });
  }
}

export function loadConfig(sources: ConfigSources): Config {
  const issues: ConfigIssue[] = [];
  const fileData = readFile(sources, issues);
  checkShape(fileData, schema, '', sources.file, issues);

  const fields = listFields();
  const knownEnv = new Set(fields.map((f) => f.env));
  const reshapedEnv = new Map(Object.values(RESHAPED).map((r) => [r.env, r.environment]));
  for (const name of Object.keys(sources.env)) {
    if (name.startsWith('FOOTFALL_') && !knownEnv.has(name) && sources.env[name] !== undefined) {
      const message = reshapedEnv.get(name) ?? 'unknown environment variable; see footfall config example for the known ones';
      issues.push({ key: name, origin: 'environment', message });
    }
  }

  const config: Record<string, unknown> = {};
  const origins = new Map<string, string>();
  for (const { key, env, field } of fields) {
    const flag = sources.flags?.[key];
    const envValue = sources.env[env];
    const fileValue = lookup(fileData, key);
    let raw: unknown;
    let fromText = true;
    let origin: string;
    if (flag !== undefined) {
      raw = flag;
      origin = 'command-line flag';
    } else if (envValue !== undefined) {
      raw = envValue;
      origin = `environment ${env}`;
    } else if (fileValue !== undefined) {
      raw = fileValue;
      fromText = false;
      origin = sources.file;
    } else {
      assign(config, key, typeof field.default === 'function' ? (field.default as () => unknown)() : field.default);
      origins.set(key, 'default');
      continue;
    }
    origins.set(key, origin);
    const parsed = field.parse(raw, fromText);
    if (parsed.ok) {
      assign(config, key, parsed.value);
    } else {
      issues.push({ key, origin, message: `${parsed.unrepeated ?? describe(raw)} is not allowed: must be ${parsed.allowed}` });
    }
  }

  if (issues.length === 0) checkCombinations(config as Config, issues, (key) => origins.get(key) ?? 'default');
  if (issues.length > 0) throw new ConfigError(issues);
  return config as Config;
}
