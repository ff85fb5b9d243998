/** `footfall config check` and the exit code every command gives a bad configuration. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

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

function fileURLToPathOf(relative: string): string {
  return new URL(relative, import.meta.url).pathname;
}
