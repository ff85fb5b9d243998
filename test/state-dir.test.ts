/**
 * The state directory as the real world treats it: a second footfall pointed at it, another
 * input's unfinished window in it, a damaged database, a full disk, and runs that stop with
 * reports unsent. Each case ends in a one-line error with its sysexits code, never exit 70,
 * and no report is lost, altered or published under another input's name.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it, onTestFinished } from 'vitest';
import type { HealthPayload, WindowReport } from '../src/payloads/payloads.js';
import { COMPARABLE_TOKENS, jsonLines, runCli, startCli, type CliResult } from './helpers/cli.js';
import { GENERATED_CAPTURES, generatedCapture } from './helpers/generated-captures.js';
import { expectKilledReplayToResume, killReplayInSecondWindow } from './helpers/kill-resume.js';
import { freePort, MqttTestBed, type ReceivedMessage } from './helpers/mosquitto.js';
import { fillUp, mountTmpfs, tmpfsUnavailable } from './helpers/tmpfs.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-state-dir-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A store's morning, six windows of an hour: at 600x an hour of it takes 6 s. */
const MORNING = GENERATED_CAPTURES['radiotap, mixed layouts, 6 h']!;

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function expectOneLineError(result: CliResult, code: number, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(code);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^footfall: /);
  expect(lines[0]).toMatch(pattern);
}

describe('one owner per state directory', () => {
  it('refuses a second replay or demo at once, naming the first one’s pid (exit 75); the next one starts as soon as the first is killed', async () => {
    const capture = await generatedCapture(MORNING);
    const state = path.join(scratch, 'owned');
    const runtime = path.join(scratch, 'owned-run');
    // At 60x its first window stays open for a minute, so the refusals below all meet that
    // window however busy the machine is; the run is killed long before it could finish.
    const first = startCli(['replay', capture.path, '--state-dir', state, '--runtime-dir', runtime, '--speed', '60', '--log-level', 'warn']);
    onTestFinished(() => void first.child.kill('SIGKILL'));
    const pid = first.child.pid!;
    const keys = await until('the open window\'s key', () => {
      const names = fs.existsSync(runtime) ? fs.readdirSync(runtime).filter((name) => name.endsWith('.key')) : [];
      return names.length === 1 ? names : undefined;
    });

    const elsewhere = path.join(scratch, 'elsewhere');
    const busy = new RegExp(`in use by another footfall \\(pid ${pid}\\); stop that one first`);
    expectOneLineError(await runCli(['replay', capture.path, '--state-dir', state, '--log-level', 'warn']), 75, new RegExp(`^footfall: ${state} \\(paths\\.state_dir\\) .*${busy.source}.*--state-dir$`));
    expectOneLineError(await runCli(['demo', '--hours', '1', '--state-dir', state]), 75, busy);
    // Its keys are guarded too: a replay with a state directory of its own but the same runtime directory.
    expectOneLineError(await runCli(['replay', capture.path, '--state-dir', elsewhere, '--runtime-dir', runtime]), 75, new RegExp(`${runtime} \\(paths\\.runtime_dir\\) .*${busy.source}.*--runtime-dir$`));
    expect(fs.readdirSync(runtime).filter((name) => name.endsWith('.key'))).toEqual(keys);
    expect(first.child.exitCode).toBeNull();

    first.child.kill('SIGKILL');
    await first.done;
    const next = await runCli(['replay', capture.path, '--state-dir', state, '--runtime-dir', runtime, '--log-level', 'warn']);
    expect(next.code, next.stderr).toBe(0);
  });
});

describe('inputs never mix', () => {
  it('a replay that meets another input\'s unfinished window refuses with one line (exit 75) and prints nothing; that input, replayed again, finishes it whole', async () => {
    const morning = await generatedCapture(MORNING);
    const other = await generatedCapture(GENERATED_CAPTURES['radiotap with FCS, pcapng, 2 h']!);
    await expectKilledReplayToResume(morning.path, path.join(scratch, 'mixed'), async (dirs) => {
      const refused = await runCli(['replay', other.path, ...dirs, '--log-level', 'warn']);
      expectOneLineError(
        refused,
        75,
        new RegExp(`holds the unfinished window 2026-11-23T08:00:00Z of \`footfall replay ${morning.path}\`; finish it by running that again on this state directory, or give this command another one \\(--state-dir or paths\\.state_dir\\)$`),
      );
      expect(refused.stdout).toBe('');
    });
  });
});

describe('a damaged database', () => {
  it('is set aside at start with one error line, its waiting reports carried over, and counting goes on; doctor fails until it is dealt with', async () => {
    const capture = await generatedCapture(GENERATED_CAPTURES['radiotap with FCS, pcapng, 2 h']!);
    const state = path.join(scratch, 'damaged');
    const first = await runCli(['replay', capture.path, '--state-dir', state, '--log-level', 'warn'], COMPARABLE_TOKENS);
    expect(first.code).toBe(0);
    const file = path.join(state, 'footfall.db');
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(2 * 4096, 0xa5), 0, 2 * 4096, 2 * 4096);
    fs.closeSync(fd);

    const again = await runCli(['replay', capture.path, '--state-dir', state, '--log-level', 'warn'], COMPARABLE_TOKENS);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(first.stdout);
    const lines = again.stderr.trim().split('\n');
    expect(lines, again.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/ error store: the database was damaged: set aside, and a new one started .* damaged_file=\S+footfall\.db\.damaged-\d{8}T\d{6}Z reports_carried=\d+ reports_unreadable=\d+ history_carried=\d+$/);

    const doctor = await runCli(['doctor', '--json', '--state-dir', state]);
    const results = (JSON.parse(doctor.stdout) as { results: Array<{ check: string; status: string; message: string }> }).results;
    expect(results.find((r) => r.check === 'database')).toMatchObject({ status: 'fail', message: expect.stringContaining('footfall found its database damaged and set it aside as') });
  });

  it('a directory where the database file should be: one line naming it (exit 73)', async () => {
    const capture = await generatedCapture(GENERATED_CAPTURES['radiotap with FCS, pcapng, 2 h']!);
    const state = path.join(scratch, 'db-is-a-dir');
    fs.mkdirSync(path.join(state, 'footfall.db'), { recursive: true });
    expectOneLineError(await runCli(['replay', capture.path, '--state-dir', state]), 73, new RegExp(`^footfall: ${state}/footfall\\.db is a directory, where footfall keeps its database; move it away$`));
  });
});

const noTmpfs = tmpfsUnavailable();

describe.skipIf(noTmpfs !== undefined)(`a full disk${noTmpfs ? ` (skipped: ${noTmpfs})` : ''}`, () => {
  const bed = new MqttTestBed();
  const unmounts: Array<() => void> = [];
  afterEach(async () => {
    await bed.cleanUp();
    for (const unmount of unmounts.splice(0)) unmount();
  });

  it('counting and publishing go on, finished windows lose their key and tokens on time, health says so; once there is room everything is written, and nothing is a bug', async () => {
    const capture = await generatedCapture(MORNING);
    const sensor = 'full-disk';
    const reference = jsonLines<WindowReport>((await runCli(['replay', capture.path, '--log-level', 'warn'], { ...COMPARABLE_TOKENS, FOOTFALL_SENSOR_ID: sensor })).stdout);
    const disk = path.join(scratch, 'full');
    unmounts.push(mountTmpfs(disk, 32 * 1024 * 1024));
    const state = path.join(disk, 'state');
    const runtime = path.join(scratch, 'full-run');
    const broker = await bed.broker();
    const subscriber = await bed.subscriber(broker.url);
    const running = startCli(['replay', '--publish', '--speed', '2400', capture.path, '--state-dir', state, '--runtime-dir', runtime, '--log-level', 'info'], {
      ...COMPARABLE_TOKENS,
      FOOTFALL_MQTT_URL: broker.url,
      FOOTFALL_SENSOR_ID: sensor,
      FOOTFALL_STORE_CHECKPOINT_SECONDS: '1',
      FOOTFALL_MQTT_HEALTH_SECONDS: '1',
    });
    await running.waitForLines(1);
    const filler = fillUp(disk);
    const healthOf = (m: ReceivedMessage) => (JSON.parse(m.payload) as HealthPayload).store;
    await subscriber.waitFor((m) => m.some((x) => x.topic === `footfall/${sensor}/health` && healthOf(x).state === 'disk_full'), 'health saying disk_full');

    // Two windows finish on the full disk: their keys and token rows go with them.
    await running.waitForLines(3);
    const db = new Database(path.join(state, 'footfall.db'), { readonly: true });
    try {
      // The open window is counted in memory meanwhile: no checkpoint fills the disk before its end.
      expect(db.prepare('SELECT count(*) FROM open_tokens').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
    const keys = fs.readdirSync(runtime).filter((name) => name.endsWith('.key'));
    expect(keys.length).toBeLessThanOrEqual(1);
    const finished = jsonLines<WindowReport>(running.stdout()).map((r) => `window-${r.window.start.replace(/[-:]/g, '')}.key`);
    expect(keys.filter((key) => finished.includes(key))).toEqual([]);

    fs.rmSync(filler);
    const result = await running.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/this is a bug|\n\s+at /);
    expect(result.stderr.match(/ error store: the disk is full: /g)).toHaveLength(1);
    expect(result.stderr).toContain('info  store: the database is written again');
    const printed = jsonLines<WindowReport>(result.stdout);
    expect(printed).toEqual(reference);
    await subscriber.waitFor((m) => m.filter((x) => x.topic === `footfall/${sensor}/report`).length >= printed.length, 'every report');
    expect(subscriber.on(`footfall/${sensor}/report`).map((m) => m.payload)).toEqual(printed.map((r) => JSON.stringify(r)));
  });

  it('a state directory on a full disk where no database can be made: one line, exit 74', async () => {
    const capture = await generatedCapture(GENERATED_CAPTURES['radiotap with FCS, pcapng, 2 h']!);
    const disk = path.join(scratch, 'full-at-start');
    unmounts.push(mountTmpfs(disk, 256 * 1024));
    fs.mkdirSync(path.join(disk, 'state'));
    fillUp(disk);
    const state = path.join(disk, 'state');
    expectOneLineError(await runCli(['replay', capture.path, '--state-dir', state]), 74, new RegExp(`^footfall: the file system of ${state} \\(paths\\.state_dir\\) is full \\(\\w+\\); free space on it \\(footfall doctor shows how much\\), then start again$`));
  });
});

describe('a run that stops with reports unsent', () => {
  const bed = new MqttTestBed();
  afterEach(() => bed.cleanUp());

  it('replay --publish stopped while the broker is away exits 75, keeps its temporary state directory and says how to send them; that command sends them', async () => {
    const capture = await generatedCapture(MORNING);
    const port = await freePort();
    const env = { FOOTFALL_MQTT_URL: `mqtt://127.0.0.1:${port}`, FOOTFALL_SENSOR_ID: 'unsent' };
    const running = startCli(['replay', '--publish', capture.path, '--log-level', 'error'], env);
    const printed = (await running.waitForLines(6)).map((line) => (JSON.parse(line) as WindowReport).id);
    running.child.kill('SIGTERM');
    const result = await running.done;
    expectOneLineError(result, 75, /^footfall: stopped with 6 report\(s\) the broker has not acknowledged; they are kept in the temporary state directory \S+, and `footfall replay --publish --state-dir \S+ \S+` sends them$/);
    const [, kept, resend] = /directory (\S+), and `(.*)` sends them$/.exec(result.stderr.trim())!;
    expect(resend).toBe(`footfall replay --publish --state-dir ${kept} ${capture.path}`);

    const broker = await bed.broker({ port });
    const subscriber = await bed.subscriber(broker.url);
    try {
      const sent = await runCli([...resend!.split(' ').slice(1), '--log-level', 'warn'], env);
      expect(sent.code, sent.stderr).toBe(0);
      await subscriber.waitFor((m) => m.filter((x) => x.topic === 'footfall/unsent/report').length >= printed.length, 'every report');
      expect(subscriber.on('footfall/unsent/report').map((m) => (JSON.parse(m.payload) as WindowReport).id)).toEqual(printed);
    } finally {
      fs.rmSync(kept!, { recursive: true, force: true });
    }
  });
});

describe('key integrity', () => {
  it('a window continued with a key file replaced by other 32 bytes counts its devices afresh, not twice, and its report says so', async () => {
    const capture = await generatedCapture(MORNING);
    const reference = jsonLines<WindowReport>((await runCli(['replay', capture.path, '--log-level', 'warn'], COMPARABLE_TOKENS)).stdout);
    const dir = path.join(scratch, 'rekeyed');
    const { before, dirs } = await killReplayInSecondWindow(capture.path, dir);
    const [key] = fs.readdirSync(path.join(dir, 'run')).filter((name) => name.endsWith('.key'));
    fs.writeFileSync(path.join(dir, 'run', key!), crypto.randomBytes(32));

    const second = await runCli(['replay', capture.path, ...dirs, '--log-level', 'warn'], COMPARABLE_TOKENS);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain("the open window's key is not the one its checkpoint was made with");
    const after = jsonLines<WindowReport>(second.stdout);
    const [continued] = after;
    expect(continued!.quality.devices_counted_from).toMatch(/^2026-11-23T08:\d\d:\d\dZ$/);
    expect(continued!.wifi!.frames).toBe(reference[1]!.wifi!.frames);
    expect(continued!.wifi!.addresses).toBeLessThan(reference[1]!.wifi!.addresses);
    expect([...before, ...after.slice(1)]).toEqual([reference[0], ...reference.slice(2)]);
  });
});
