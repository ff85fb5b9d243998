/**
 * scripts/install.sh, scripts/uninstall.sh and scripts/build-deb.sh, run on a copy of this built
 * clone (--from-build: no npm ci) into staging trees (--destdir), so the machine is not touched.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { fileSink, PcapWriter } from '../src/sim/pcap-writer.js';
import { probeFrame, testAddresses } from './helpers/probe-frames.js';
import { findOnPath, unitDirectives, unitValue } from './helpers/systemd-unit.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const VERSION = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const EXAMPLE = fs.readFileSync(path.join(REPO, 'config/footfall.example.yaml'), 'utf8');
const NODE = '/usr/bin/node';

let work: string;
let clone: string;
let stage: string;

/** A copy of what install.sh reads; node_modules hard-linked where the file system allows. */
function copyBuiltClone(to: string): void {
  fs.mkdirSync(to);
  for (const entry of ['package.json', 'package-lock.json', 'README.md', 'dist', 'build', 'config', 'schema', 'scripts', 'systemd']) {
    fs.cpSync(path.join(REPO, entry), path.join(to, entry), { recursive: true });
  }
  try {
    execFileSync('cp', ['-al', path.join(REPO, 'node_modules'), to], { stdio: 'ignore' });
  } catch {
    execFileSync('cp', ['-a', path.join(REPO, 'node_modules'), to]);
  }
}

function script(name: string, args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FOOTFALL_')));
  const result = spawnSync('bash', [path.join(clone, 'scripts', name), ...args], { encoding: 'utf8', env });
  return { ...result, output: `${result.stdout}${result.stderr}` };
}

const install = (destdir: string, ...more: string[]) =>
  script('install.sh', ['--destdir', destdir, '--no-deps', '--no-start', '--from-build', '--node', NODE, ...more]);

/** Every path under `root` with its type and mode, sorted. */
function listing(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const stat = fs.lstatSync(full);
      out.push(`${path.relative(root, full)} ${stat.mode.toString(8)}`);
      if (entry.isDirectory()) walk(full);
    }
  };
  walk(root);
  return out.sort();
}

const staged = (...parts: string[]) => path.join(stage, ...parts);
const modeOf = (file: string) => (fs.statSync(file).mode & 0o7777).toString(8);

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-install-'));
  clone = path.join(work, 'clone');
  stage = path.join(work, 'stage');
  copyBuiltClone(clone);
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('install.sh and uninstall.sh into a staging tree', () => {
  it('installs the app, the launcher, the unit and the example config, and the staged footfall works', () => {
    const result = install(stage);
    expect(result.status, result.output).toBe(0);
    expect(result.stdout).toContain('installing the example config');

    expect(fs.readFileSync(staged('etc/systemd/system/footfall.service'), 'utf8')).toBe(
      fs.readFileSync(path.join(REPO, 'systemd/footfall.service'), 'utf8'),
    );
    expect(modeOf(staged('etc/systemd/system/footfall.service'))).toBe('644');
    expect(fs.readFileSync(staged('etc/systemd/system/footfall-firstboot.service'), 'utf8')).toBe(
      fs.readFileSync(path.join(REPO, 'systemd/footfall-firstboot.service'), 'utf8'),
    );
    expect(modeOf(staged('etc/systemd/system/footfall-firstboot.service'))).toBe('644');
    expect(fs.readFileSync(staged('usr/local/bin/footfall'), 'utf8')).toContain(
      `exec ${NODE} /opt/footfall/dist/cli/main.js "$@"`,
    );
    expect(modeOf(staged('usr/local/bin/footfall'))).toBe('755');
    expect(fs.readFileSync(staged('etc/footfall/footfall.yaml'), 'utf8')).toBe(EXAMPLE);
    expect(modeOf(staged('etc/footfall'))).toBe('750');
    expect(modeOf(staged('etc/footfall/footfall.yaml'))).toBe('640');

    // Production dependencies with their native modules; no build or test tools.
    const modules = staged('opt/footfall/node_modules');
    for (const name of ['better-sqlite3', 'pcap', 'mqtt', 'commander']) expect(fs.existsSync(path.join(modules, name)), name).toBe(true);
    for (const name of ['typescript', 'vitest']) expect(fs.existsSync(path.join(modules, name)), name).toBe(false);
    // Nor node-gyp's intermediate files, nor prebuilt binaries for other systems.
    const native = (fs.readdirSync(modules, { recursive: true }) as string[]).filter((name) => /(^|\/)(obj\.target|\.deps|prebuilds\/[^/]+)$/.test(name));
    expect(native).toEqual([path.join('usb', 'prebuilds', `linux-${process.arch}`)]);
    // footfall's own native addon, without node-gyp's intermediate files.
    expect(fs.readdirSync(staged('opt/footfall/build'), { recursive: true })).toEqual(['Release', path.join('Release', 'pcap_batch_reader.node')]);

    const check = spawnSync(process.execPath, [
      staged('opt/footfall/dist/cli/main.js'), 'config', 'check', '--config', staged('etc/footfall/footfall.yaml'),
    ], { encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/: ok \(sensor /);

    // The staged footfall reads a capture through its native addon.
    const capture = path.join(work, 'probes.pcap');
    const writer = new PcapWriter(fileSink(capture), { linkType: 127 });
    testAddresses(3).forEach((address, i) => writer.write(Date.UTC(2026, 0, 5, 10) + i, probeFrame(address, i)));
    writer.close();
    const replay = spawnSync(process.execPath, [staged('opt/footfall/dist/cli/main.js'), 'replay', capture, '--log-level', 'warn'], { encoding: 'utf8' });
    expect(replay.status, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout).wifi).toMatchObject({ frames: 3, addresses: 3 });
  });

  it('gives the same tree when run again, keeping an edited config and dropping stale files', () => {
    const before = listing(stage);
    const config = staged('etc/footfall/footfall.yaml');
    const edited = 'sensor:\n  id: store-12-entrance\n';
    fs.writeFileSync(config, edited);
    fs.writeFileSync(staged('opt/footfall/dist/stale.js'), '');

    const result = install(stage);
    expect(result.status, result.output).toBe(0);
    expect(result.stdout).toContain('keeping the config');
    expect(result.stdout).toContain('(sensor store-12-entrance)');
    expect(fs.readFileSync(config, 'utf8')).toBe(edited);
    expect(listing(stage)).toEqual(before);
  });

  it('refuses a config the new version rejects, leaving the installed tree as it was', () => {
    const before = listing(stage);
    const config = staged('etc/footfall/footfall.yaml');
    const edited = fs.readFileSync(config, 'utf8');
    fs.writeFileSync(config, 'privacy:\n  token_bits: 100\n');

    const result = install(stage);
    expect(result.status, result.output).toBe(1);
    expect(result.stderr).toContain('privacy.token_bits');
    expect(result.stderr).toContain('install.sh: the new footfall rejects');
    expect(listing(stage)).toEqual(before);
    fs.writeFileSync(config, edited);
  });

  it('puts the app where --prefix says, and the unit and launcher follow', () => {
    const other = path.join(work, 'stage-prefix');
    const result = install(other, '--prefix', '/usr/lib/footfall');
    expect(result.status, result.output).toBe(0);
    expect(fs.existsSync(path.join(other, 'usr/lib/footfall/dist/cli/main.js'))).toBe(true);
    expect(fs.existsSync(path.join(other, 'opt'))).toBe(false);
    const unit = unitDirectives(fs.readFileSync(path.join(other, 'etc/systemd/system/footfall.service'), 'utf8'));
    expect(unitValue(unit, 'ExecStart')).toBe(`${NODE} /usr/lib/footfall/dist/cli/main.js run`);
    expect(unitValue(unit, 'Documentation')).toBe('file:///usr/lib/footfall/README.md');
    const firstBoot = unitDirectives(fs.readFileSync(path.join(other, 'etc/systemd/system/footfall-firstboot.service'), 'utf8'));
    expect(unitValue(firstBoot, 'ExecStart')).toBe(`${NODE} /usr/lib/footfall/dist/cli/main.js provision import`);
    expect(fs.readFileSync(path.join(other, 'usr/local/bin/footfall'), 'utf8')).toContain('/usr/lib/footfall/dist/cli/main.js');
  });

  it('refuses an unknown option and a prefix the service could not see', () => {
    const unknown = script('install.sh', ['--destdir', stage, '--bogus']);
    expect(unknown.status).toBe(64);
    expect(unknown.stderr).toContain('usage: scripts/install.sh');
    for (const prefix of ['relative/dir', '/', '/home/pi/footfall']) {
      const result = install(path.join(work, 'never'), '--prefix', prefix);
      expect(result.status, prefix).toBe(1);
      expect(result.stderr, prefix).toMatch(/^install\.sh: --prefix/);
    }
    expect(fs.existsSync(path.join(work, 'never'))).toBe(false);
  });

  it('uninstalls the app, unit and launcher, keeping config and data, and leaves a tree that is not footfall alone', () => {
    fs.mkdirSync(staged('var/lib/footfall'), { recursive: true });
    fs.writeFileSync(staged('var/lib/footfall/footfall.db'), 'outbox');
    fs.mkdirSync(staged('srv/other'), { recursive: true });
    fs.writeFileSync(staged('srv/other/keep'), '');

    const wrong = script('uninstall.sh', ['--destdir', stage, '--prefix', '/srv/other']);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('does not hold footfall');
    expect(fs.existsSync(staged('srv/other/keep'))).toBe(true);

    const result = script('uninstall.sh', ['--destdir', stage]);
    expect(result.status, result.output).toBe(0);
    for (const gone of ['opt/footfall', 'usr/local/bin/footfall', 'etc/systemd/system/footfall.service', 'etc/systemd/system/footfall-firstboot.service']) {
      expect(fs.existsSync(staged(gone)), gone).toBe(false);
    }
    expect(fs.readFileSync(staged('etc/footfall/footfall.yaml'), 'utf8')).toContain('store-12-entrance');
    expect(fs.readFileSync(staged('var/lib/footfall/footfall.db'), 'utf8')).toBe('outbox');
  });

  it('removes config and data too with --purge', () => {
    const result = script('uninstall.sh', ['--destdir', stage, '--purge']);
    expect(result.status, result.output).toBe(0);
    expect(fs.existsSync(staged('etc/footfall'))).toBe(false);
    expect(fs.existsSync(staged('var/lib/footfall'))).toBe(false);
  });
});

const dpkgDeb = findOnPath('dpkg-deb');
const dpkg = findOnPath('dpkg');
const shlibdeps = findOnPath('dpkg-shlibdeps');
const needs = [dpkgDeb === undefined && 'dpkg-deb', shlibdeps === undefined && 'dpkg-shlibdeps (dpkg-dev)'].filter(Boolean);
describe.skipIf(needs.length > 0)(
  `build-deb.sh and build-apt-repo.sh (${needs.length > 0 ? `skipped: ${needs.join(' and ')} not installed` : 'dpkg-deb'})`,
  () => {
    let deb: string;
    let arch: string;

    beforeAll(() => {
      arch = execFileSync(dpkg!, ['--print-architecture'], { encoding: 'utf8' }).trim();
      deb = path.join(work, 'deb', `footfall_${VERSION}_${arch}.deb`);
    });

    it('builds a package whose control data says what it needs: the Node.js its modules were built for, the libraries they link', () => {
      const result = script('build-deb.sh', ['--from-build', '--no-deps', '--out', path.join(work, 'deb')]);
      expect(result.status, result.output).toBe(0);
      expect(result.stdout).toContain(`built ${deb}`);
      expect(result.stderr).toBe('');

      const info = execFileSync(dpkgDeb!, ['--info', deb], { encoding: 'utf8' });
      expect(info).toContain(' Package: footfall\n');
      expect(info).toContain(` Version: ${VERSION}\n`);
      expect(info).toContain(` Architecture: ${arch}\n`);
      const depends = /^ Depends: (.*)$/m.exec(info)?.[1]?.split(', ');
      const major = Number(process.versions.node.split('.')[0]);
      expect(depends?.slice(0, 2)).toEqual([`nodejs (>= ${major})`, `nodejs (<< ${major + 1})`]);
      expect(depends?.slice(-3)).toEqual(['iw', 'iproute2', 'passwd']);
      // From dpkg-shlibdeps; libpcap under either of its names (Debian 12's, and 13's after the time_t transition).
      expect(depends).toContainEqual(expect.stringMatching(/^libc6 \(>= [\d.]+\)$/));
      expect(depends).toContainEqual(expect.stringMatching(/^libpcap0\.8 \((>= [\d.]+)\) \| libpcap0\.8t64 \(\1\)$/));
      for (const name of ['postinst', 'prerm', 'postrm']) expect(info).toMatch(new RegExp(`\\s\\* +${name} +#!/bin/sh`));

      const control = path.join(work, 'deb-control');
      execFileSync(dpkgDeb!, ['--control', deb, control]);
      // The config is the sensor's own: postinst writes the example when there is none, dpkg never asks about it.
      expect(fs.existsSync(path.join(control, 'conffiles'))).toBe(false);
      for (const name of ['postinst', 'prerm', 'postrm']) {
        const syntax = spawnSync('sh', ['-n', path.join(control, name)], { encoding: 'utf8' });
        expect(syntax.status, `${name}: ${syntax.stderr}`).toBe(0);
      }
    });

    it('cross-builds for arm64 alone, and never from modules built for this machine', () => {
      const other = arch === 'amd64' ? 'armhf' : 'amd64';
      const refused = script('build-deb.sh', ['--arch', other, '--no-deps', '--out', path.join(work, 'never')]);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toBe(`build-deb.sh: --arch ${other} on ${arch}: build it on an ${other} machine (only arm64 is cross-compiled, on amd64)\n`);
      if (arch === 'amd64') {
        const fromBuild = script('build-deb.sh', ['--arch', 'arm64', '--from-build', '--no-deps', '--out', path.join(work, 'never')]);
        expect(fromBuild.status).toBe(1);
        expect(fromBuild.stderr).toMatch(/^build-deb\.sh: --from-build packages this clone's modules, which are built for amd64: leave it out\n$/);
      }
      expect(fs.existsSync(path.join(work, 'never'))).toBe(false);
    });

    it("holds the files in Debian's places, owned by root", () => {
      const contents = execFileSync(dpkgDeb!, ['--contents', deb], { encoding: 'utf8', maxBuffer: 64 << 20 });
      const entries = new Map(
        contents.trim().split('\n').map((line) => {
          const fields = line.split(/\s+/);
          return [fields[5]!, `${fields[0]} ${fields[1]}`];
        }),
      );
      expect(entries.get('./')).toBe('drwxr-xr-x root/root');
      expect(entries.get('./lib/systemd/system/footfall.service')).toBe('-rw-r--r-- root/root');
      expect(entries.get('./lib/systemd/system/footfall-firstboot.service')).toBe('-rw-r--r-- root/root');
      expect(entries.get('./usr/bin/footfall')).toBe('-rwxr-xr-x root/root');
      expect(entries.get('./etc/footfall/')).toBe('drwxr-x--- root/root');
      expect(entries.has('./etc/footfall/footfall.yaml')).toBe(false);
      expect(entries.get('./opt/footfall/dist/cli/main.js')).toBe('-rw-r--r-- root/root');
      expect(entries.get('./opt/footfall/config/footfall.example.yaml')).toBe('-rw-r--r-- root/root');
      // The administrator's places stay empty.
      const theirs = [...entries.keys()].filter((name) => name.startsWith('./usr/local/') || name.startsWith('./etc/systemd/'));
      expect(theirs).toEqual([]);
    });

    it('installs into a separate root with dpkg, its maintainer scripts working there, and purges from it', () => {
      // A root with the files useradd and groupadd edit. --force-script-chrootless runs the
      // maintainer scripts here with DPKG_ROOT set, as for an image being built; --force-depends:
      // the root has no packages (apt resolves them, below); unsafe-io skips an fsync per file.
      const root = path.join(work, 'dpkg-root');
      fs.mkdirSync(path.join(root, 'var/lib/dpkg/updates'), { recursive: true });
      fs.mkdirSync(path.join(root, 'var/lib/dpkg/info'));
      fs.writeFileSync(path.join(root, 'var/lib/dpkg/status'), '');
      fs.mkdirSync(path.join(root, 'etc'));
      fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
      fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\n');
      for (const name of ['shadow', 'gshadow']) fs.writeFileSync(path.join(root, 'etc', name), '', { mode: 0o640 });
      const inRoot = (...parts: string[]) => path.join(root, ...parts);
      const dpkgIn = (...args: string[]) =>
        spawnSync(dpkg!, [`--root=${root}`, `--log=${inRoot('dpkg.log')}`, '--force-script-chrootless', '--force-depends', '--force-unsafe-io', ...args], { encoding: 'utf8' });

      const installed = dpkgIn('--install', deb);
      expect(installed.status, `${installed.stdout}${installed.stderr}`).toBe(0);
      expect(execFileSync(dpkg!, [`--root=${root}`, '--status', 'footfall'], { encoding: 'utf8' })).toContain('Status: install ok installed');
      const user = /^footfall:x:(\d+):(\d+):footfall sensor daemon:\/nonexistent:\/usr\/sbin\/nologin$/m.exec(fs.readFileSync(inRoot('etc/passwd'), 'utf8'));
      expect(user).not.toBeNull();
      const gid = Number(user![2]);
      expect(fs.readFileSync(inRoot('etc/group'), 'utf8')).toContain(`footfall:x:${gid}:`);
      const config = fs.statSync(inRoot('etc/footfall/footfall.yaml'));
      expect([config.uid, config.gid, (config.mode & 0o777).toString(8)]).toEqual([0, gid, '640']);
      expect(fs.statSync(inRoot('etc/footfall')).gid).toBe(gid);
      expect(fs.readFileSync(inRoot('etc/footfall/footfall.yaml'), 'utf8')).toBe(EXAMPLE);
      for (const link of ['multi-user.target.wants/footfall.service', 'multi-user.target.wants/footfall-firstboot.service', 'footfall.service.requires/footfall-firstboot.service']) {
        expect(fs.readlinkSync(inRoot('etc/systemd/system', link)), link).toBe(`/lib/systemd/system/${path.basename(link)}`);
      }

      const purged = dpkgIn('--purge', 'footfall');
      expect(purged.status, `${purged.stdout}${purged.stderr}`).toBe(0);
      for (const gone of ['opt/footfall', 'etc/footfall', 'etc/systemd/system/multi-user.target.wants/footfall.service']) expect(fs.existsSync(inRoot(gone)), gone).toBe(false);
      expect(fs.readFileSync(inRoot('etc/passwd'), 'utf8')).not.toContain('footfall');
      expect(fs.readFileSync(inRoot('etc/group'), 'utf8')).not.toContain('footfall');
    });

    it.skipIf(findOnPath('apt-get') === undefined)("has dependencies that resolve on this machine's Debian", () => {
      const simulated = spawnSync('apt-get', ['install', '--simulate', '--no-install-recommends', deb], { encoding: 'utf8' });
      expect(simulated.status, `${simulated.stdout}${simulated.stderr}`).toBe(0);
      expect(simulated.stdout).toMatch(new RegExp(`^Inst footfall \\(${VERSION.replaceAll('.', '\\.')} local-deb \\[${arch}\\]\\)$`, 'm'));
    });

    it.skipIf(findOnPath('gpg') === undefined || findOnPath('apt-get') === undefined)(
      'lays the package out as a signed apt repository that apt verifies and installs from',
      () => {
        const repo = path.join(work, 'apt-repo');
        const key = path.join(work, 'apt-key');
        const built = script('build-apt-repo.sh', ['--out', repo, '--key', key, deb]);
        expect(built.status, built.output).toBe(0);
        expect(modeOf(path.join(key, 'archive-key.asc'))).toBe('600');
        expect(script('build-apt-repo.sh', ['--out', repo, '--key', key, deb]).status).toBe(73);

        // apt on its own directories, with this repository alone to fetch; then with the
        // machine's Debian lists beside it, to resolve what the package depends on.
        const apt = path.join(work, 'apt');
        for (const dir of ['lists/partial', 'cache/archives/partial', 'sources']) fs.mkdirSync(path.join(apt, dir), { recursive: true });
        const source = fs.readFileSync(path.join(repo, 'footfall.sources'), 'utf8');
        expect(source).toContain(`URIs: file://${repo}\n`);
        fs.writeFileSync(path.join(apt, 'sources/footfall.sources'), source.replace('/etc/apt/keyrings/', `${repo}/`));
        const options = ['-o', 'Dir::Etc::SourceList=/dev/null', '-o', `Dir::Etc::SourceParts=${apt}/sources`, '-o', `Dir::State::Lists=${apt}/lists`,
          '-o', `Dir::Cache=${apt}/cache`, '-o', 'Dir::Cache::pkgcache=', '-o', 'Dir::Cache::srcpkgcache=', '-o', 'Debug::NoLocking=1',
          // The test's directory is closed to apt's own user: fetch as root without saying so.
          '-o', 'APT::Sandbox::User=root'];
        const update = spawnSync('apt-get', [...options, 'update'], { encoding: 'utf8' });
        expect(update.status, `${update.stdout}${update.stderr}`).toBe(0);
        expect(update.stderr).not.toMatch(/^[WE]:/m);
        const policy = execFileSync('apt-cache', [...options, 'policy', 'footfall'], { encoding: 'utf8' });
        expect(policy).toContain(`Candidate: ${VERSION}`);

        // The same key and source as cloud-init user-data, which also installs the package.
        const userData = fs.readFileSync(path.join(repo, 'footfall-cloud-init.yaml'), 'utf8');
        expect(userData.split('\n')[0]).toBe('#cloud-config');
        const cloudConfig = parseYaml(userData) as { write_files: { path: string; content: string; encoding?: string }[]; packages: string[] };
        expect(cloudConfig.packages).toEqual(['footfall']);
        const [keyring, sources] = cloudConfig.write_files;
        expect(keyring).toMatchObject({ path: '/etc/apt/keyrings/footfall-archive-keyring.gpg', encoding: 'b64' });
        expect(Buffer.from(keyring!.content, 'base64')).toEqual(fs.readFileSync(path.join(repo, 'footfall-archive-keyring.gpg')));
        expect(sources).toMatchObject({ path: '/etc/apt/sources.list.d/footfall.sources', content: source });

        for (const list of fs.readdirSync('/var/lib/apt/lists').filter((name) => /_(InRelease|Packages(\.\w+)?)$/.test(name))) {
          fs.symlinkSync(path.join('/var/lib/apt/lists', list), path.join(apt, 'lists', list));
        }
        const debianSources = fs.readdirSync('/etc/apt/sources.list.d').filter((name) => name.endsWith('.sources'));
        for (const sources of debianSources) fs.copyFileSync(path.join('/etc/apt/sources.list.d', sources), path.join(apt, 'sources', sources));
        const simulated = spawnSync('apt-get', [...options, 'install', '--simulate', '--no-install-recommends', 'footfall'], { encoding: 'utf8' });
        expect(simulated.status, `${simulated.stdout}${simulated.stderr}`).toBe(0);
        expect(simulated.stdout).toMatch(new RegExp(`^Inst footfall \\(${VERSION.replaceAll('.', '\\.')} footfall:stable \\[${arch}\\]\\)$`, 'm'));

        // An index changed after signing is refused.
        fs.appendFileSync(path.join(repo, `dists/stable/main/binary-${arch}/Packages`), '\n');
        fs.rmSync(path.join(repo, `dists/stable/main/binary-${arch}/Packages.gz`));
        for (const list of fs.readdirSync(path.join(apt, 'lists')).filter((name) => name.includes('apt-repo'))) fs.rmSync(path.join(apt, 'lists', list));
        for (const sources of debianSources) fs.rmSync(path.join(apt, 'sources', sources));
        const tampered = spawnSync('apt-get', [...options, 'update'], { encoding: 'utf8' });
        expect(`${tampered.stdout}${tampered.stderr}`).toMatch(/Hash Sum mismatch|File has unexpected size/);
      },
    );
  },
);
