/**
 * `footfall ignore add|remove|list`: the devices never counted (`capture.ignore`), edited in the
 * config file keeping its comments. An entry may be a person's address (someone who asked to be
 * left out), so no message repeats one: only `list` shows them, to the operator at the terminal.
 */
import { createRequire } from 'node:module';
import type { Command } from 'commander';
import { planConfigEdit, readConfigFile, writeConfigFile } from '../config/edit.js';
import { DEFAULT_CONFIG_PATH } from '../config/load.js';
import { IGNORE_ENTRY_FORMS, parseIgnoreEntry, type IgnoreEntry } from '../privacy/ignore-list.js';
import { addCommonOptions, type CommonOptions } from './common.js';
import { EXIT, OperatorError } from './errors.js';

type IgnoreOptions = CommonOptions;

const sameEntry = (a: IgnoreEntry, b: IgnoreEntry) =>
  a.kind === b.kind && (a.kind === 'address' ? a.address === (b as typeof a).address : a.prefix === (b as typeof a).prefix);

/** The entry as the config keeps it: lower case, octets joined by ":". */
function canonical(text: string): { entry: IgnoreEntry; text: string } {
  const entry = parseIgnoreEntry(text);
  if (entry === undefined) throw new OperatorError(`that is not ${IGNORE_ENTRY_FORMS} (it is not repeated here)`, EXIT.usage);
  return { entry, text: text.trim().toLowerCase().replace(/-/g, ':') };
}

/** `capture.ignore` as the file has it (the environment's FOOTFALL_CAPTURE_IGNORE is not the file's to change). */
function fileEntries(text: string | undefined): string[] {
  if (text === undefined) return [];
  const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  let data: unknown;
  try {
    data = parse(text);
  } catch {
    // planConfigEdit names the file's problem; listing says it here.
    return [];
  }
  const ignore = (data as { capture?: { ignore?: unknown } } | null)?.capture?.ignore;
  return Array.isArray(ignore) ? ignore.filter((entry): entry is string => typeof entry === 'string') : [];
}

function configFile(options: IgnoreOptions): string {
  return options.config ?? DEFAULT_CONFIG_PATH;
}

function change(options: IgnoreOptions, address: string, how: 'add' | 'remove'): void {
  const file = configFile(options);
  const { entry, text } = canonical(address);
  const entries = fileEntries(readConfigFile(file));
  const present = entries.some((existing) => {
    const parsed = parseIgnoreEntry(existing);
    return parsed !== undefined && sameEntry(parsed, entry);
  });
  if (how === 'add' && present) {
    process.stdout.write(`already in capture.ignore in ${file}; nothing changed\n`);
    return;
  }
  if (how === 'remove' && !present) throw new OperatorError(`that entry is not in capture.ignore in ${file}; footfall ignore list shows what is`, EXIT.dataError);
  const next =
    how === 'add'
      ? [...entries, text]
      : entries.filter((existing) => {
          const parsed = parseIgnoreEntry(existing);
          return parsed === undefined || !sameEntry(parsed, entry);
        });
  const { after } = planConfigEdit(file, [{ key: ['capture', 'ignore'], value: next }]);
  writeConfigFile(file, after);
  const kind = entry.kind === 'address' ? 'address' : 'vendor prefix';
  process.stdout.write(
    `${how === 'add' ? 'added the' : 'removed the'} ${kind} ${how === 'add' ? 'to' : 'from'} capture.ignore in ${file} (${next.length} ${next.length === 1 ? 'entry' : 'entries'}); ` +
      'reload the daemon for it to count (sudo systemctl reload footfall)\n',
  );
}

export function registerIgnoreCommand(program: Command): void {
  const ignore = program
    .command('ignore')
    .description("devices never counted (capture.ignore): the venue's own machines, people who asked to be left out");
  addCommonOptions(
    ignore
      .command('add')
      .description('never count this address (aa:bb:cc:dd:ee:ff) or vendor prefix (aa:bb:cc); edits the config file keeping its comments')
      .argument('<address>', 'an address or a vendor prefix'),
  ).action((address: string, options: IgnoreOptions) => change(options, address, 'add'));
  addCommonOptions(
    ignore
      .command('remove')
      .description('count this address or vendor prefix again')
      .argument('<address>', 'an address or a vendor prefix'),
  ).action((address: string, options: IgnoreOptions) => change(options, address, 'remove'));
  addCommonOptions(
    ignore.command('list').description('show the ignored addresses and prefixes (to you only: they are never logged or published)'),
  ).action((options: IgnoreOptions) => {
    for (const entry of fileEntries(readConfigFile(configFile(options)))) process.stdout.write(`${entry}\n`);
  });
}
