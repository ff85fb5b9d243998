/**
 * `footfall privacy notice`: the sign for the venue's door and website, from the live config.
 * `footfall privacy audit`: evidence, from the state and runtime directories, that the privacy
 * promises hold on this sensor.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { processExists } from '../core/status-file.js';
import { LOCK_FILE, lockHolderPid } from '../store/directory-lock.js';
import { NOTICE_FORMATS, noticeContent, renderNotice, type NoticeFormat } from '../privacy/notice.js';
import { addCommonOptions, loadCommandConfig, type CommonOptions } from './common.js';
import { EXIT, OperatorError } from './errors.js';
import { FOOTFALL_VERSION } from './version.js';

interface NoticeOptions extends CommonOptions {
  format: string;
}

interface AuditOptions extends CommonOptions {
  json?: boolean;
}

/** What `audit` exits with when a promise does not hold: as `doctor` does for a failed check. */
const BROKEN_PROMISE = 1;
/**
 * A running footfall finishes a window in slices for a second or so after its end: meanwhile the
 * window's key and tokens are still there, and the next window's key already is. So while one
 * runs, a promise that does not hold is looked at again after this long.
 */
const FINISHING_MS = 3000;

/** Whether a footfall process holds the state directory (its lock file names a live process). */
function footfallRunsOn(stateDir: string): boolean {
  const pid = lockHolderPid(path.join(stateDir, LOCK_FILE));
  return pid !== undefined && processExists(pid);
}

async function audit(options: AuditOptions): Promise<void> {
  const config = loadCommandConfig(options);
  // Loaded when it runs: the audit reads the database, which the other commands need not load.
  const { auditPrivacy } = await import('../core/privacy-audit.js');
  const auditOptions = { stateDir: config.paths.state_dir, runtimeDir: config.paths.runtime_dir, sensorId: config.sensor.id };
  let findings = auditPrivacy(auditOptions);
  if (!findings.every((finding) => finding.holds) && footfallRunsOn(auditOptions.stateDir)) {
    await new Promise((resolve) => setTimeout(resolve, FINISHING_MS));
    findings = auditPrivacy(auditOptions);
  }
  const ok = findings.every((finding) => finding.holds);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ok, findings }, null, 2)}\n`);
  } else {
    for (const finding of findings) process.stdout.write(`${finding.holds ? 'HOLDS ' : 'BROKEN'}  ${finding.promise}\n        ${finding.evidence}\n`);
    const broken = findings.filter((finding) => !finding.holds).map((finding) => finding.promise);
    process.stdout.write(ok ? `every promise holds (${findings.length} checked)\n` : `broken: ${broken.join('; ')}\n`);
  }
  if (!ok) process.exitCode = BROKEN_PROMISE;
}

function notice(options: NoticeOptions): void {
  const format = options.format as NoticeFormat;
  if (!NOTICE_FORMATS.includes(format)) throw new OperatorError(`--format ${JSON.stringify(options.format)}: give one of ${NOTICE_FORMATS.join(', ')}`, EXIT.usage);
  const config = loadCommandConfig(options);
  if (config.privacy.contact === null) {
    process.stderr.write('footfall: privacy.contact is not set, so the notice sends people to the staff at the counter; set it to an email address or a web page\n');
  }
  process.stdout.write(renderNotice(noticeContent(config, FOOTFALL_VERSION), format));
}

export function registerPrivacyCommand(program: Command): void {
  const privacy = program.command('privacy').description("show what footfall does with what it hears: the notice for the door, and an audit of this sensor's state");
  addCommonOptions(
    privacy
      .command('notice')
      .description("the sign for the venue's door and website, written from the config: what is counted, kept and published, for how long, whom to ask")
      .option('--format <format>', `${NOTICE_FORMATS.join(', ')}`, 'text'),
  ).action(notice);
  addCommonOptions(
    privacy
      .command('audit')
      .description("show, from the state and runtime directories, that no key or token of a finished window remains and nothing is kept that it should not be; exit 1 naming a broken promise")
      .option('--json', 'the findings as JSON'),
  ).action(audit);
}
