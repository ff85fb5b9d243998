/**
 * `footfall config check` and the exit code every command gives a bad configuration (78) or a
 * directory it cannot use (73): what config check catches, a replay refuses the same way at start.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FOOTFALL_BIN, runCli, type CliResult } from './helpers/cli.js';
import { GENERATED_CAPTURES, generatedCapture } from './helpers/generated-captures.js';
import { mountTmpfs, tmpfsUnavailable } from './helpers/tmpfs.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-config-check-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function configFile(content: string): string {
  const file = path.join(dir, `${Math.random().toString(16).slice(2)}.yaml`);
  fs.writeFileSync(file, content);
  return file;
}

describe('footfall config check', () => {
  it('accepts the documented example and says so', async () => {
    const example = fileURLToPathOf('../config/footfall.example.yaml');
    const result = await runCli(['config', 'check', '--config', example]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/: ok \(sensor /);
  });

  it.each([
    ['a value out of range', 'privacy:\n  token_bits: 100\n', {}, 'privacy.token_bits'],
    ['a window that does not divide a day', 'privacy:\n  window_minutes: 7\n', {}, 'privacy.window_minutes'],
    ['a wrong type', 'store:\n  checkpoint_seconds: often\n', {}, 'store.checkpoint_seconds'],
    ['an unknown key', 'mqtt:\n  host: broker\n', {}, 'mqtt.host'],
    ['a bad URL', 'mqtt:\n  url: broker:1883\n', {}, 'mqtt.url'],
    ['a URL with a port out of range', 'mqtt:\n  url: mqtt://127.0.0.1:99999\n', {}, 'mqtt.url'],
    ['a URL with an unclosed IPv6 bracket', 'mqtt:\n  url: mqtt://[::1\n', {}, 'mqtt.url'],
    ['a URL with a bad port in the environment', '', { FOOTFALL_MQTT_URL: 'mqtt://broker:0' }, 'mqtt.url'],
    ['a password file that is a directory', `mqtt:\n  url: mqtt://broker\n  username: u\n  password_file: ${os.tmpdir()}\n`, {}, 'mqtt.password_file'],
    ['a bad zone', 'zones:\n  inside: loud\n', {}, 'zones'],
    ['a bad environment variable', '', { FOOTFALL_LOG_LEVEL: 'chatty' }, 'log.level'],
    ['an unknown environment variable', '', { FOOTFALL_MQTT_HOST: 'x' }, 'FOOTFALL_MQTT_HOST'],
    ['broken YAML', 'sensor: [\n', {}, 'config'],
  ])('exits 78 and names the key for %s', async (_what, content, env, key) => {
    const result = await runCli(['config', 'check', '--config', configFile(content)], env);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(`  ${key}: `);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    ['readable by every user', 'secret\n', 0o644, 'is readable by every user'],
    ['empty', '', 0o600, 'holds no password'],
  ])('exits 78 for a password file %s, never showing the password', async (what, content, mode, message) => {
    const passwordFile = path.join(dir, `password-${what.replace(/\W/g, '-')}`);
    fs.writeFileSync(passwordFile, content);
    fs.chmodSync(passwordFile, mode);
    const result = await runCli(['config', 'check', '--config', configFile(`mqtt:\n  url: mqtt://broker\n  username: u\n  password_file: ${passwordFile}\n`)]);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(`  mqtt.password_file: the file ${passwordFile} ${message}`);
    expect(result.stderr).not.toContain('secret');
  });

  it('exits 78 for a YAML alias bomb, naming the file, without expanding it', async () => {
    let bomb = 'a: &a [x, x, x, x, x, x, x, x, x]\n';
    for (let level = 1; level <= 9; level++) bomb += `l${level}: &l${level} [${Array(9).fill(level === 1 ? '*a' : `*l${level - 1}`).join(', ')}]\n`;
    const file = configFile(bomb);
    const result = await runCli(['config', 'check', '--config', file]);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(`  config: its YAML aliases (*name) expand to more than 100 nodes: write the values out instead (${file})`);
    expect(result.stderr).not.toMatch(/Excessive alias count|\n\s+at /);
  });

  it('exits 78 for brackets nested 100,000 deep, naming the file', async () => {
    const file = configFile(`sensor: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
    const result = await runCli(['config', 'check', '--config', file]);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(`  config: the file nests more than 16 levels deep`);
  });

  it('lists every bad key at once', async () => {
    const result = await runCli(['config', 'check', '--config', configFile('privacy:\n  token_bits: 1\nlog:\n  level: x\n')]);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('privacy.token_bits');
    expect(result.stderr).toContain('log.level');
  });

  it('refuses a config file that was named but does not exist', async () => {
    const result = await runCli(['config', 'check', '--config', path.join(dir, 'absent.yaml')]);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('does not exist');
  });

  it('prints the documented example', async () => {
    const result = await runCli(['config', 'example']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(fs.readFileSync(fileURLToPathOf('../config/footfall.example.yaml'), 'utf8'));
  });
});

/** Runs footfall as the unprivileged user nobody, for the directories that only root may write. */
function runAsNobody(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, FOOTFALL_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function canRunAsNobody(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to switch to the user nobody';
  try {
    execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true'], { stdio: 'ignore' });
  } catch {
    return 'setpriv cannot switch to the user nobody here';
  }
  return undefined;
}

describe('directories that cannot be used: exit 73 naming the key, from config check and at start', () => {
  const nobody = canRunAsNobody();
  const mounting = tmpfsUnavailable();
  // Readable by everyone, so that the user nobody reaches the config and the directories below.
  const base = fs.mkdtempSync(path.join(dir, 'dirs-'));
  fs.chmodSync(dir, 0o755);
  fs.chmodSync(base, 0o755);
  const config = path.join(base, 'footfall.yaml');
  fs.writeFileSync(config, 'sensor:\n  id: dirs-test\n');
  fs.chmodSync(config, 0o644);
  let unmount: (() => void) | undefined;
  afterAll(() => unmount?.());

  const replay = async (run: (args: string[]) => Promise<CliResult>, runtimeDir: string) => {
    const capture = await generatedCapture(GENERATED_CAPTURES['radiotap cut to a 96-byte snap length, 1 h']!);
    const stateDir = fs.mkdtempSync(path.join(base, 'state-'));
    fs.chmodSync(stateDir, 0o777);
    return run(['replay', capture.path, '--config', config, '--state-dir', stateDir, '--runtime-dir', runtimeDir]);
  };

  const expectRefused = (result: CliResult, line: string) => {
    expect(result.code, result.stderr).toBe(73);
    expect(result.stderr).toContain(`footfall: ${line}`);
    expect(result.stderr).not.toMatch(/this is a bug|\n\s+at /);
  };

  it('a runtime directory that is a file', async () => {
    const runtimeDir = path.join(base, 'run-file');
    fs.writeFileSync(runtimeDir, '');
    const line = `paths.runtime_dir: ${runtimeDir} is a file, not a directory; give a directory footfall can write in, on a tmpfs`;
    expectRefused(await runCli(['config', 'check', '--config', config, '--runtime-dir', runtimeDir]), line);
    expectRefused(await replay(runCli, runtimeDir), line);
  });

  it('a window key path that is a directory', async () => {
    const runtimeDir = fs.mkdtempSync(path.join(base, 'run-'));
    const keyPath = path.join(runtimeDir, 'window-20261123T110000Z.key');
    fs.mkdirSync(keyPath);
    const line = `paths.runtime_dir: ${keyPath} is not a file but stands where a window key goes; remove it (rm -r ${keyPath})`;
    expectRefused(await runCli(['config', 'check', '--config', config, '--runtime-dir', runtimeDir]), line);
    expectRefused(await replay(runCli, runtimeDir), line);
  });

  it('a state directory below a file', async () => {
    const file = path.join(base, 'state-file');
    fs.writeFileSync(file, '');
    const result = await runCli(['config', 'check', '--config', config, '--state-dir', path.join(file, 'state')]);
    expectRefused(result, `paths.state_dir: ${path.join(file, 'state')} does not exist and cannot be made: ${file} is a file, not a directory; give a directory footfall can write in`);
  });

  it('a runtime directory open to other users: config check warns, a replay closes it and its keys', async () => {
    const runtimeDir = fs.mkdtempSync(path.join(base, 'run-open-'));
    fs.chmodSync(runtimeDir, 0o755);
    const key = path.join(runtimeDir, 'window-20261123T110000Z.key');
    fs.writeFileSync(key, Buffer.alloc(32, 1), { mode: 0o644 });
    fs.chmodSync(key, 0o644);
    const check = await runCli(['config', 'check', '--config', config, '--runtime-dir', runtimeDir]);
    expect(check.code).toBe(0);
    expect(check.stderr).toContain(`footfall: warning: paths.runtime_dir: ${runtimeDir} is open to other users (mode 0755); footfall makes it 0700 when it starts\n`);
    expect(check.stderr).toContain(`footfall: warning: paths.runtime_dir: ${key} is open to other users (mode 0644); footfall makes it 0600 when it starts\n`);

    const result = await replay(runCli, runtimeDir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(new RegExp(`warn {2}privacy: paths\\.runtime_dir: ${runtimeDir} is open to other users \\(mode 0755\\); made it 0700\n`));
    expect(fs.statSync(runtimeDir).mode & 0o777).toBe(0o700);
    // The replay finished its windows: their keys are gone, the one found with them too. The
    // directory's lock file stays (it holds nothing; its lock went with the process).
    expect(fs.readdirSync(runtimeDir)).toEqual(['footfall.lock']);
  });

  it.skipIf(process.getuid?.() !== 0)('a runtime directory of another user: exit 77 at start, naming the key', async () => {
    const runtimeDir = fs.mkdtempSync(path.join(base, 'run-nobody-'));
    fs.chownSync(runtimeDir, 65534, 65534);
    const result = await replay(runCli, runtimeDir);
    expect(result.code, result.stderr).toBe(77);
    expect(result.stderr).toContain(`footfall: paths.runtime_dir: ${runtimeDir} belongs to uid 65534, not to this user (uid 0): run footfall as its owner, or give a directory of its own\n`);
  });

  it.skipIf(mounting !== undefined)(`a runtime directory on a read-only file system${mounting ? ` (skipped: ${mounting})` : ''}`, async () => {
    const mounted = fs.mkdtempSync(path.join(base, 'read-only-'));
    unmount = mountTmpfs(mounted, 64 * 1024, 'ro,mode=0700');
    for (const runtimeDir of [mounted, path.join(mounted, 'footfall')]) {
      const problem = runtimeDir === mounted ? 'is on a read-only file system' : `does not exist and cannot be made: ${mounted} is on a read-only file system`;
      const line = `paths.runtime_dir: ${runtimeDir} ${problem}; give a directory footfall can write in, on a tmpfs`;
      expectRefused(await runCli(['config', 'check', '--config', config, '--runtime-dir', runtimeDir]), line);
      expectRefused(await replay(runCli, runtimeDir), line);
    }
  });

  it.skipIf(nobody !== undefined)(`a runtime directory this user may not write in${nobody ? ` (skipped: ${nobody})` : ''}`, async () => {
    const runtimeDir = fs.mkdtempSync(path.join(base, 'run-root-'));
    fs.chmodSync(runtimeDir, 0o755);
    const line = `paths.runtime_dir: ${runtimeDir} is not writable by this user (uid 65534); give a directory footfall can write in, on a tmpfs`;
    const stateDir = fs.mkdtempSync(path.join(base, 'state-'));
    fs.chmodSync(stateDir, 0o777);
    expectRefused(await runAsNobody(['config', 'check', '--config', config, '--state-dir', stateDir, '--runtime-dir', runtimeDir]), line);
    expectRefused(await replay(runAsNobody, runtimeDir), line);
  });
});

function fileURLToPathOf(relative: string): string {
  return new URL(relative, import.meta.url).pathname;
}
