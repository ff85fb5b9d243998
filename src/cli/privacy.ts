/**
 * `footfall privacy notice`: the sign for the venue's door and website, from the live config.
 * `footfall privacy audit`: evidence, from the state and runtime directories, that the privacy
 * promises hold on this sensor.
 */
import type { Command } from 'commander';
import { NOTICE_FORMATS, noticeContent, renderNotice, type NoticeFormat } from '../privacy/notice.js';
import { addCommonOptions, loadCommandConfig, type CommonOptions } from './common.js';
import { EXIT, OperatorError } from './errors.js';
import { FOOTFALL_VERSION } from './version.js';

interface NoticeOptions extends CommonOptions {
  format: string;
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
}
