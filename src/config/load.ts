/**
 * Loads the configuration: built-in defaults, then the YAML file, then FOOTFALL_* environment
 * variables, then command-line flags, each later one winning. Every problem is collected, so an
 * installer sees all of them at once, each naming its key, its value and what is allowed.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { oneLine } from '../log/logger.js';
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

/**
 * Bounds on the config file. A config is a few kilobytes nested four deep; a file beyond these was
 * made by mistake or to exhaust the parser (a nest of brackets overflows its stack, an alias bomb
 * expands to millions of nodes), and is refused before it can.
 */
export const CONFIG_FILE_LIMITS = {
  /** Room for an ignore list of some ten thousand addresses. */
  bytes: 256 * 1024,
  depth: 16,
  /** The yaml package's maxAliasCount: how many nodes aliases may expand to. */
  aliases: 100,
} as const;

/** The file's text, or undefined when it is too large to be a config (a regular file's size is known before reading). */
function readText(sources: ConfigSources): string | undefined {
  if (sources.text !== undefined) return sources.text;
  const stat = fs.statSync(sources.file);
  if (stat.isDirectory()) throw Object.assign(new Error(`${sources.file} is a directory`), { code: 'EISDIR' });
  return stat.isFile() && stat.size > CONFIG_FILE_LIMITS.bytes ? undefined : fs.readFileSync(sources.file, 'utf8');
}

type CstToken = import('yaml').CST.Token;

/** How deep the collections of a parsed file nest, counted without recursion (the parser's own would overflow). */
function nestingDepth(tokens: Iterable<CstToken>, limit: number): number {
  let deepest = 0;
  const pending: Array<{ token: CstToken | undefined; depth: number }> = [...tokens].map((token) => ({ token, depth: 0 }));
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { token, depth } = next;
    if (token === undefined) continue;
    if (token.type === 'document') {
      pending.push({ token: token.value, depth });
    } else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      deepest = Math.max(deepest, depth + 1);
      if (deepest > limit) return deepest;
      for (const item of token.items) {
        if ('key' in item) pending.push({ token: item.key ?? undefined, depth: depth + 1 });
        pending.push({ token: item.value, depth: depth + 1 });
      }
    }
  }
  return deepest;
}

function readFile(sources: ConfigSources, issues: ConfigIssue[]): Record<string, unknown> {
  const fileIssue = (message: string) => issues.push({ key: 'config', origin: sources.file, message });
  let content: string | undefined;
  try {
    content = readText(sources);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !sources.fileExplicit) return {};
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code})`;
    issues.push({ key: 'config', origin: '--config', message: `the file ${sources.file} ${why}` });
    return {};
  }
  const { bytes, depth, aliases } = CONFIG_FILE_LIMITS;
  if (content === undefined || Buffer.byteLength(content) > bytes) {
    fileIssue(`the file is larger than ${bytes / 1024} KiB; a footfall config is a few kilobytes: give the right file`);
    return {};
  }
  // The YAML parser loads only when there is a file: a daemon on built-in defaults starts faster.
  const { parseDocument, Parser } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  if (nestingDepth(new Parser().parse(content), depth) > depth) {
    fileIssue(`the file nests more than ${depth} levels deep; a footfall config needs four (section, key, list or map, value)`);
    return {};
  }
  const doc = parseDocument(content, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const at = error.linePos?.[0];
      const where = at ? `line ${at.line}, column ${at.col}` : 'somewhere';
      const reason = (error.message.split('\n')[0] ?? error.code).replace(/ at line \d+, column \d+:?$/, '');
      fileIssue(`YAML syntax error at ${where}: ${reason}`);
    }
    return {};
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: aliases });
  } catch (err) {
    // The yaml package refuses aliases that expand too far, or that name no anchor, as it resolves them.
    if (!(err instanceof ReferenceError)) throw err;
    fileIssue(
      /alias count/i.test(err.message)
        ? `its YAML aliases (*name) expand to more than ${aliases} nodes: write the values out instead`
        : `YAML alias error: ${oneLine(err)}`,
    );
    return {};
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    fileIssue('the file must be a YAML mapping of sections (sensor:, mqtt:, ...)');
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

/** The keys whose values differ between two configurations, in schema order (a reload says what changed). */
export function changedKeys(before: Config, after: Config): string[] {
  const valueOf = (config: Config, key: string) => JSON.stringify(lookup(config as unknown as Record<string, unknown>, key));
  return listFields()
    .map(({ key }) => key)
    .filter((key) => valueOf(before, key) !== valueOf(after, key));
}

function assign(target: Record<string, unknown>, key: string, value: unknown) {
  const parts = key.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
  node[parts[parts.length - 1]!] = value;
}

/** The password in a password_file: its first line, without the spaces around it. */
export function passwordOf(fileText: string): string {
  return (fileText.split(/\r?\n/, 1)[0] ?? '').trim();
}

/** The files of the mqtt section, each with whether it holds a secret that no other user may read. */
const MQTT_FILES = [
  ['password_file', true],
  ['ca_file', false],
  ['cert_file', false],
  ['key_file', true],
] as const;

/**
 * What is wrong with a file the config points at, or undefined when it is a file this user can
 * read and, for a secret, not readable by every user (the daemon's group may read it).
 */
function fileProblem(file: string, secret: boolean): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be reached by this user' : `cannot be read (${code})`;
  }
  if (stat.isDirectory()) return 'is a directory, not a file';
  if (!stat.isFile()) return 'is not a regular file';
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    return 'is not readable by this user';
  }
  if (secret && (stat.mode & 0o004) !== 0) {
    return `is readable by every user of this machine (mode ${(stat.mode & 0o777).toString(8).padStart(4, '0')}): make it private, e.g. chmod o-r ${file}`;
  }
  return undefined;
}

/**
 * Why this user could not keep files in `dir` (paths.state_dir, paths.runtime_dir), or undefined
 * when it can: `dir` is a directory it may write in, or does not exist yet and its nearest existing
 * parent is one (footfall makes it). Not part of loadConfig, which readers of a daemon's state
 * (status, history) use too: the commands that write there ask, and refuse with exit 73.
 */
export function directoryProblem(dir: string): string | undefined {
  const wanted = path.resolve(dir);
  let existing = wanted;
  let stat: fs.Stats | undefined;
  while (stat === undefined) {
    try {
      stat = fs.statSync(existing);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || path.dirname(existing) === existing) {
        return code === 'EACCES' ? 'cannot be reached by this user' : `cannot be used (${code})`;
      }
      existing = path.dirname(existing);
    }
  }
  const within = existing === wanted ? '' : `does not exist and cannot be made: ${existing} `;
  if (!stat.isDirectory()) return `${within}is a file, not a directory`;
  try {
    fs.accessSync(existing, fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return `${within}${code === 'EROFS' ? 'is on a read-only file system' : `is not writable by this user (uid ${process.getuid?.() ?? '?'})`}`;
  }
  return undefined;
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
  for (const [key, secret] of MQTT_FILES) {
    const file = mqtt[key];
    if (file === null) continue;
    let problem = fileProblem(file, secret);
    if (problem === undefined && key === 'password_file' && passwordOf(fs.readFileSync(file, 'utf8')) === '') {
      problem = 'holds no password: write it on the first line';
    }
    if (problem !== undefined) issues.push({ key: `mqtt.${key}`, origin: originOf(`mqtt.${key}`), message: `the file ${file} ${problem}` });
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
