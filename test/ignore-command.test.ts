/**
 * `footfall ignore add|remove|list` through the built command: the config file keeps its
 * comments, entries are compared whatever their case and separator, and no message but `list`
 * ever repeats an address (an entry may be a person who asked to be left out).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from './helpers/cli.js';
import { findLeaks } from './helpers/leak-scan.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-ignore-command-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const PERSON = '40:ec:99:f9:34:a6';
const TILLS = 'dc:fb:48';

describe('footfall ignore', () => {
  it('adds, lists and removes entries, keeping the config file as it was around them', async () => {
    const config = path.join(dir, 'venue.yaml');
    fs.writeFileSync(config, ['# The venue.', 'capture:', '  ignore:', `    - "${TILLS}" # the tills`, '  wifi:', '    interface: wlan1 # by the door', ''].join('\n'), { mode: 0o640 });
    const outputs: CliResult[] = [];
    const run = async (...args: string[]) => {
      const result = await runCli(['ignore', ...args, '--config', config]);
      outputs.push(result);
      return result;
    };

    const added = await run('add', '40-EC-99-F9-34-A6');
    expect(added.code).toBe(0);
    expect(added.stdout).toBe(`added the address to capture.ignore in ${config} (2 entries); reload the daemon for it to count (sudo systemctl reload footfall)\n`);
    expect(fs.readFileSync(config, 'utf8')).toBe(
      ['# The venue.', 'capture:', '  ignore:', `    - "${TILLS}" # the tills`, `    - ${PERSON}`, '  wifi:', '    interface: wlan1 # by the door', ''].join('\n'),
    );
    expect(fs.statSync(config).mode & 0o777).toBe(0o640);
    expect((await runCli(['config', 'check', '--config', config])).code).toBe(0);

    const again = await run('add', PERSON.toUpperCase());
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`already in capture.ignore in ${config}; nothing changed\n`);

    const listed = await runCli(['ignore', 'list', '--config', config]);
    expect(listed.stdout).toBe(`${TILLS}\n${PERSON}\n`);

    const removed = await run('remove', 'DC-FB-48');
    expect(removed.code).toBe(0);
    expect(removed.stdout).toMatch(/^removed the vendor prefix from capture\.ignore .* \(1 entry\)/);
    expect(fs.readFileSync(config, 'utf8')).toBe(['# The venue.', 'capture:', '  ignore:', `    - ${PERSON}`, '  wifi:', '    interface: wlan1 # by the door', ''].join('\n'));

    const absent = await run('remove', '11:22:33:44:55:66');
    expect(absent.code).toBe(65);
    expect(absent.stderr).toBe(`footfall: that entry is not in capture.ignore in ${config}; footfall ignore list shows what is\n`);

    // Only `list` shows addresses; nothing else repeats one.
    expect(findLeaks([PERSON, '11:22:33:44:55:66'], outputs.flatMap((result, i) => [
      { name: `stdout ${i}`, data: result.stdout },
      { name: `stderr ${i}`, data: result.stderr },
    ]))).toEqual([]);
  });

  it('starts a config file that does not exist yet', async () => {
    const config = path.join(dir, 'new.yaml');
    expect((await runCli(['ignore', 'add', TILLS, '--config', config])).code).toBe(0);
    expect((await runCli(['ignore', 'list', '--config', config])).stdout).toBe(`${TILLS}\n`);
    expect((await runCli(['config', 'check', '--config', config])).code).toBe(0);
  });

  it.each([
    ['not an address', ['add', '40:ec:99:f9:34'], 64, /^footfall: that is not an address aa:bb:cc:dd:ee:ff or a vendor prefix .*\(it is not repeated here\)/],
    ['a config file that is not valid YAML', ['add', PERSON, '--config', path.join(dir, 'broken.yaml')], 78, /^footfall: cannot edit .*broken\.yaml: it is not valid YAML/],
    ['a config file that cannot be written', ['add', PERSON, '--config', path.join(dir, 'missing', 'footfall.yaml')], 73, /^footfall: cannot write .*missing\/footfall\.yaml: its directory does not exist/],
  ])('refuses %s in one line, the address not repeated', async (_what, args, code, message) => {
    fs.writeFileSync(path.join(dir, 'broken.yaml'), 'capture: [unclosed\n');
    const result = await runCli(['ignore', ...args]);
    expect(result.code).toBe(code);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(findLeaks([PERSON], [{ name: 'stderr', data: result.stderr }])).toEqual([]);
    expect(result.stderr).not.toContain('40:ec:99:f9:34');
  });
});
