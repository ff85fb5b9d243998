/**
 * `footfall privacy audit`: evidence, read from the state and runtime directories (also while
 * the daemon runs), that the privacy promises hold on this sensor. Each promise is checked on
 * what is there, not on what the code intends: the runtime directory's file system and modes,
 * the key files, the database's rows and its free space, and every file's text. Reads only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { KEY_FILE_PATTERN, keyFileName } from '../privacy/window-keys.js';
import { DATABASE_FILE } from '../store/database.js';
import { finishedTokensInWal, leftoverBytes, openWindowFacts } from '../store/privacy-evidence.js';

/** One promise, whether it holds, and what shows it. */
export interface AuditFinding {
  promise: string;
  holds: boolean;
  evidence: string;
}

export interface AuditOptions {
  stateDir: string;
  runtimeDir: string;
  /** The sensor's own id, which may look like an address (a host named after its MAC) without being one. */
  sensorId: string;
}

/** statfs's f_type of a tmpfs (linux/magic.h TMPFS_MAGIC). */
const TMPFS_MAGIC = 0x01021994;
/** Six octets of two hex digits with one separator throughout: how addresses are written. */
const ADDRESS_SHAPED = /(?<![0-9a-f])[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}(?![0-9a-f])/gi;

const modeText = (mode: number) => `0${(mode & 0o777).toString(8)}`;
const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

function checkRuntimeDirectory(dir: string): AuditFinding[] {
  let stats: fs.Stats;
  try {
    stats = fs.statSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const absent = code === 'ENOENT';
    return [{ promise: 'window keys live on a tmpfs', holds: absent, evidence: absent ? `${dir} does not exist: no key is kept anywhere` : `${dir} cannot be read (${code})` }];
  }
  const type = fs.statfsSync(dir).type;
  const private_ = (stats.mode & 0o077) === 0;
  return [
    {
      promise: 'window keys live on a tmpfs',
      holds: type === TMPFS_MAGIC,
      evidence: type === TMPFS_MAGIC ? `${dir} is a tmpfs: its files never reach persistent storage` : `${dir} is not a tmpfs (file system type 0x${type.toString(16)}): keys could reach the disk`,
    },
    { promise: 'the runtime directory is private', holds: private_, evidence: `${dir} has mode ${modeText(stats.mode)}${private_ ? '' : ': others can enter it; it must be 0700'}` },
  ];
}

function checkKeys(runtimeDir: string, openStartMs: number | null): AuditFinding[] {
  const names = fs.existsSync(runtimeDir) ? fs.readdirSync(runtimeDir).filter((name) => KEY_FILE_PATTERN.test(name)) : [];
  const keep = openStartMs === null ? null : keyFileName(openStartMs);
  const stale = names.filter((name) => name !== keep);
  const loose = names
    .map((name) => ({ name, mode: fs.statSync(path.join(runtimeDir, name)).mode }))
    .filter(({ mode }) => (mode & 0o077) !== 0);
  const open = openStartMs === null ? 'no window is open' : `the open window starts ${new Date(openStartMs).toISOString()}`;
  return [
    {
      promise: "no key is kept but the open window's",
      holds: stale.length === 0,
      evidence: stale.length === 0 ? `${plural(names.length, 'key file')}; ${open}` : `${open}, yet keys of other windows remain: ${stale.join(', ')}`,
    },
    {
      promise: 'key files are private',
      holds: loose.length === 0,
      evidence: loose.length === 0 ? 'every key file has mode 0600 or stricter' : `readable by others: ${loose.map(({ name, mode }) => `${name} (${modeText(mode)})`).join(', ')}`,
    },
  ];
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

function checkAddressShapes(options: AuditOptions): AuditFinding {
  const own = options.sensorId.toLowerCase();
  const files = [...filesUnder(options.stateDir), ...filesUnder(options.runtimeDir)];
  const found: string[] = [];
  for (const file of files) {
    const text = fs.readFileSync(file).toString('latin1');
    const shapes = [...text.matchAll(ADDRESS_SHAPED)].filter((match) => !own.includes(match[0].toLowerCase()));
    // The file and how many, never the text itself: it may be an address.
    if (shapes.length > 0) found.push(`${file} (${shapes.length})`);
  }
  return {
    promise: 'no file holds anything written like an address',
    holds: found.length === 0,
    evidence: found.length === 0 ? `${plural(files.length, 'file')} read in ${options.stateDir} and ${options.runtimeDir}` : `address-shaped text in ${found.join(', ')}`,
  };
}

/** The WAL is truncated when a window ends; one that was not still holds that window's tokens in old page images. */
function walFinding(database: string): AuditFinding {
  const { walBytes, tokens } = finishedTokensInWal(database);
  return {
    promise: 'the WAL holds no token of a finished window',
    holds: tokens === 0,
    evidence:
      tokens === 0
        ? walBytes === 0
          ? 'the WAL is empty: it was truncated and nothing was written since'
          : `the WAL's ${walBytes} bytes hold no token but the open window's`
        : `the WAL holds ${plural(tokens, 'token')} that the open window does not have: it was not truncated when their window ended`,
  };
}

export function auditPrivacy(options: AuditOptions): AuditFinding[] {
  const database = path.join(options.stateDir, DATABASE_FILE);
  const findings = checkRuntimeDirectory(options.runtimeDir);
  if (!fs.existsSync(database)) {
    findings.push(...checkKeys(options.runtimeDir, null), { promise: "no token is kept but the open window's", holds: true, evidence: `${database} does not exist: no token is kept` });
  } else {
    const facts = openWindowFacts(database);
    const tokensHold = facts.openStartMs === null ? facts.tokenRows === 0 : !facts.openWindowReported;
    const { pages, dirtyPages } = leftoverBytes(database);
    findings.push(
      ...checkKeys(options.runtimeDir, facts.openStartMs),
      {
        promise: "no token is kept but the open window's",
        holds: tokensHold,
        evidence:
          facts.openStartMs === null
            ? `no window is open and ${plural(facts.tokenRows, 'token row')} remain`
            : `${plural(facts.tokenRows, 'token row')}, all of the open window${facts.openWindowReported ? ', which was already reported: its tokens should be gone' : ''}`,
      },
      walFinding(database),
      {
        promise: 'deleted rows leave nothing behind (secure_delete)',
        holds: dirtyPages.length === 0,
        evidence:
          dirtyPages.length === 0
            ? `the free space of all ${plural(pages, 'page')} of ${DATABASE_FILE} is zeros`
            : `deleted content remains in the free space of ${dirtyPages.length === 1 ? 'page' : 'pages'} ${dirtyPages.slice(0, 10).join(', ')} of ${DATABASE_FILE}`,
      },
    );
  }
  findings.push(checkAddressShapes(options));
  return findings;
}
