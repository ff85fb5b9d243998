/**
 * Changes keys of the operator's config file the way a careful person would: only the text of
 * the values that change is written anew, so every comment, blank line, quote, flow or block
 * style and key order elsewhere stays as it was, byte for byte. Also checks new text with the
 * config's own validation before it is written, and writes it atomically. Used by the commands
 * that change the config (`footfall calibrate`, `footfall ignore`).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Document, Node, Pair, YAMLMap } from 'yaml';
import { ConfigError, formatIssue, loadConfig, type ConfigIssue } from './load.js';

export interface ConfigEdit {
  /** The key's path, e.g. ['zones', 'wifi']. */
  key: string[];
  /** Its new value: plain data (objects, arrays, strings, numbers, booleans, null). */
  value: unknown;
}

/** The file's text cannot be edited as it is; the message says why. */
export class UneditableConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UneditableConfigError';
  }
}

/** What a file that footfall creates starts with, so that whoever opens it knows where it came from. */
export const NEW_FILE_HEADER =
  '# footfall configuration, written by footfall.\n' + '# footfall config example prints every key with its documentation.\n';

/**
 * The config file cannot be read, edited or written: an operator's fix, not a bug. Exit 73
 * (EX_CANTCREAT) for a file that cannot be written, 77 (EX_NOPERM) for one this user may not
 * read, 78 (EX_CONFIG) for one that must be fixed first.
 */
export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError';
  constructor(
    message: string,
    readonly exitCode: 73 | 77 | 78 = 73,
  ) {
    super(message);
  }
}

/** A new file holds settings only, so no one but root and the daemon's group may read them. */
const NEW_FILE_MODE = 0o640;

// Loaded on first use, as load.ts does: the daemon starts faster without the YAML library.
const loadYaml = () => createRequire(import.meta.url)('yaml') as typeof import('yaml');

/**
 * The file's text with each edit applied in turn; `current` is undefined when the file does not
 * exist yet. Throws UneditableConfigError for an empty file, YAML that does not parse, a top
 * level that is not a mapping, or a key whose parent is not a section.
 */
export function editConfigText(current: string | undefined, edits: readonly ConfigEdit[]): string {
  let text = current ?? NEW_FILE_HEADER;
  for (const edit of edits) text = applyEdit(text, edit, current === undefined);
  return text;
}

/** The config's own validation of `text` as the file `file` (empty when it is fine). */
export function checkConfigText(text: string, file: string): ConfigIssue[] {
  try {
    // The environment is left out: what is judged is the file about to be written.
    loadConfig({ file, fileExplicit: true, env: {}, text });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
}

/** The file's text, to be edited; undefined when it does not exist yet. */
export function readConfigFile(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR') throw new ConfigFileError(`${file} is a directory: give the config file to write`);
    if (code === 'EACCES') throw new ConfigFileError(`${file} is not readable by this user: run as root (sudo footfall ...)`, 77);
    throw err;
  }
}

/**
 * The config file's text and what the edits make of it, checked by the config's own validation;
 * refuses (exit 78) a file that cannot be edited or that would not pass `footfall config check`.
 */
export function planConfigEdit(file: string, edits: readonly ConfigEdit[]): { before: string | undefined; after: string } {
  const before = readConfigFile(file);
  let after: string;
  try {
    after = editConfigText(before, edits);
  } catch (err) {
    if (err instanceof UneditableConfigError) throw new ConfigFileError(`cannot edit ${file}: ${err.message}; fix the file first (footfall config check --config ${file})`, 78);
    throw err;
  }
  const issues = checkConfigText(after, file);
  if (issues.length > 0) {
    throw new ConfigFileError(`${file} would not pass footfall config check after this change: ${issues.map(formatIssue).join('; ')}; fix the file first`, 78);
  }
  return { before, after };
}

/**
 * Replaces `file` with `text` so that a crash or a full disk leaves either the old file or the
 * new one, never half of one: a temporary file beside it, flushed to disk, renamed over it. The
 * original's mode is kept, and its owner when running as root; a new file gets mode 0640.
 */
export function writeConfigFile(file: string, text: string): void {
  const target = resolveLinks(file);
  let original: fs.Stats | undefined;
  let temporary: string | undefined;
  let fd: number | undefined;
  try {
    original = statIfExists(target);
    const candidate = path.join(path.dirname(target), `.${path.basename(target)}.${crypto.randomBytes(6).toString('hex')}.tmp`);
    // 'wx' refuses a file that is already there rather than writing through someone else's.
    fd = fs.openSync(candidate, 'wx', 0o600);
    temporary = candidate;
    fs.fchmodSync(fd, original ? original.mode & 0o7777 : NEW_FILE_MODE);
    if (original && process.getuid?.() === 0) fs.fchownSync(fd, original.uid, original.gid);
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temporary, target);
    temporary = undefined;
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    if (temporary !== undefined) fs.rmSync(temporary, { force: true });
    throw cannotWrite(file, err);
  }
  syncDirectory(path.dirname(target));
}

/** A link (e.g. to a file kept by configuration management) keeps pointing at the new file. */
function resolveLinks(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file; // a new file, or a missing directory that writing will report
  }
}

function statIfExists(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Makes the rename itself durable. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some file systems cannot sync a directory; the file is in place either way.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

const WRITE_FAILURES: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOENT: 'its directory does not exist',
  ENOTDIR: 'its directory does not exist',
  EISDIR: 'it is a directory',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
};

function cannotWrite(file: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string') return err;
  const why = WRITE_FAILURES[code] ?? `error ${code}`;
  const todo = why === 'permission denied' ? 'run as root, or give a writable --write FILE' : 'give a writable --write FILE';
  return new ConfigFileError(`cannot write ${file}: ${why}; ${todo}`);
}

/** One edit: the file is parsed again for each, so that every position read is current. */
function applyEdit(text: string, edit: ConfigEdit, fresh: boolean): string {
  const yaml = loadYaml();
  const doc = yaml.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) throw new UneditableConfigError(`it is not valid YAML: ${error.message.split('\n')[0]!.replace(/:$/, '')}`);
  const editor = new TextEditor(text, doc, indentStep(text));
  if (doc.contents === null) {
    // Only a file footfall is creating may be without settings: an empty one may be a mistake.
    if (!fresh) throw new UneditableConfigError('it holds no settings (it is empty or only comments)');
    return editor.appendToTopLevel(edit.key, edit.value);
  }
  if (!yaml.isMap(doc.contents)) throw new UneditableConfigError('its top level is not a mapping of sections (sensor:, mqtt:, ...)');
  let map: YAMLMap = doc.contents;
  for (let depth = 0; depth < edit.key.length; depth++) {
    const rest = edit.key.slice(depth + 1);
    const pair = findPair(map, edit.key[depth]!);
    if (pair === undefined) return editor.addPair(map, edit.key.slice(depth), edit.value);
    const node = pair.value;
    if (!yaml.isNode(node) || (yaml.isScalar(node) && node.value === null)) return editor.fillEmpty(pair, rest, edit.value);
    if (rest.length === 0) return editor.replace(node, edit.value);
    if (!yaml.isMap(node)) throw new UneditableConfigError(`${edit.key.slice(0, depth + 1).join('.')} is not a section`);
    map = node;
  }
  throw new Error('a config edit needs a key');
}

function findPair(map: YAMLMap, name: string): Pair | undefined {
  const yaml = loadYaml();
  return map.items.find((pair) => yaml.isScalar(pair.key) && String(pair.key.value) === name);
}

/** The file's indentation step: its smallest indentation of a key or item, 2 when it has none. */
function indentStep(text: string): number {
  let step = Infinity;
  for (const line of text.split('\n')) {
    const indent = line.length - line.trimStart().length;
    if (indent > 0 && line.trim() !== '' && !line.trimStart().startsWith('#')) step = Math.min(step, indent);
  }
  return Number.isFinite(step) ? step : 2;
}

/** Places new text into the file at the positions the parsed document gives. */
class TextEditor {
  constructor(
    private readonly text: string,
    private readonly doc: Document,
    private readonly indent: number,
  ) {}

  /** An existing value: merged with the new one, and its text alone written anew. */
  replace(node: Node, value: unknown): string {
    // The same value again leaves even its spacing alone, so that there is nothing to show.
    if (JSON.stringify(node.toJS(this.doc)) === JSON.stringify(value)) return this.text;
    const [start, end] = node.range!;
    const merged = this.merge(node, value);
    const lines = indentLines(this.render(merged), columnOf(this.text, start), false);
    return splice(this.text, start, end, this.text.slice(start, end).endsWith('\n') ? `${lines}\n` : lines);
  }

  /** A key with no value yet (`zones:`, maybe followed by commented-out examples). */
  fillEmpty(pair: Pair, rest: string[], value: unknown): string {
    const yaml = loadYaml();
    const node = this.create(rest, value);
    const rendered = this.render(node);
    const keyEnd = (pair.key as Node).range![1];
    const colon = this.text.indexOf(':', keyEnd) + 1;
    const [start, end] = yaml.isNode(pair.value) ? pair.value.range! : [colon, colon];
    const keyColumn = columnOf(this.text, (pair.key as Node).range![0]);
    if (!yaml.isCollection(node) || node.flow) {
      // A scalar or flow value goes on the key's line, before any comment there.
      const inline = indentLines(rendered, keyColumn, false);
      return start === end ? splice(this.text, colon, colon, ` ${inline}`) : splice(this.text, start, end, inline);
    }
    // A block goes below the key, after the comments that belong to it.
    const column = keyColumn + this.indent;
    const at = sectionEnd(this.text, lineEndAfter(this.text, end), column);
    const inserted = splice(this.text, at, at, this.lineBlock(at, indentLines(rendered, column, true)));
    // An explicit null (`zones: ~`) goes, with the spaces before it.
    return start === end ? inserted : splice(inserted, colon, end, '');
  }

  /** A key the map does not have: added after its last entry (and the comments that follow it). */
  addPair(map: YAMLMap, keys: string[], value: unknown): string {
    if (map.flow) {
      map.add(this.doc.createPair(keys[0], this.create(keys.slice(1), value)));
      const [start, end] = map.range!;
      return splice(this.text, start, end, indentLines(this.render(map), columnOf(this.text, start), false));
    }
    if (map === this.doc.contents) return this.appendToTopLevel(keys, value);
    const column = columnOf(this.text, map.range![0]);
    const last = map.items.at(-1)!;
    const lastNode = (loadYaml().isNode(last.value) ? last.value : last.key) as Node;
    const at = sectionEnd(this.text, lineEndAfter(this.text, lastNode.range![1]), column);
    return splice(this.text, at, at, this.lineBlock(at, indentLines(this.render(this.create(keys, value)), column, true)));
  }

  /** A new section at the end of the file, after a blank line as sections are separated. */
  appendToTopLevel(keys: string[], value: unknown): string {
    const at = this.text.length;
    const blank = this.text.endsWith('\n\n') ? '' : '\n';
    return this.text + this.lineBlock(at, blank + this.render(this.create(keys, value)));
  }

  /** Whole lines to insert at `at`, which is the start of a line or the end of a file without a final newline. */
  private lineBlock(at: number, lines: string): string {
    const needsNewline = at > 0 && this.text[at - 1] !== '\n';
    return `${needsNewline ? '\n' : ''}${lines}\n`;
  }

  /**
   * The old node with the new value: a mapping or sequence keeps its node (so its flow or block
   * style), and entries that stay keep theirs and their comments; the value's order is kept,
   * since order can matter (the first zone is the premises).
   */
  private merge(old: Node, value: unknown): Node {
    const yaml = loadYaml();
    if (yaml.isMap(old) && isRecord(value)) {
      old.items = Object.entries(value).map(([name, inner]) => {
        const pair = findPair(old, name);
        if (pair === undefined) return this.doc.createPair(name, this.create([], inner));
        pair.value = yaml.isNode(pair.value) ? this.merge(pair.value, inner) : this.create([], inner);
        return pair;
      });
      return old;
    }
    if (yaml.isSeq(old) && Array.isArray(value)) {
      const unused = [...old.items];
      old.items = value.map((inner: unknown) => {
        const index = unused.findIndex((item) => yaml.isScalar(item) && item.value === inner);
        return index >= 0 ? unused.splice(index, 1)[0] : this.create([], inner);
      });
      return old;
    }
    if (yaml.isScalar(old) && old.value === value) return old;
    const node = this.create([], value);
    node.commentBefore = old.commentBefore;
    node.comment = old.comment;
    node.spaceBefore = old.spaceBefore;
    // A string keeps its quotes.
    if (yaml.isScalar(old) && yaml.isScalar(node) && typeof old.value === 'string' && typeof value === 'string') node.type = old.type;
    return node;
  }

  /**
   * A new value under new keys: the sections block style, the value flow style when it holds
   * plain values only, as the documented example writes zones and lists.
   */
  private create(keys: string[], value: unknown): Node {
    const plain = (inner: unknown) => typeof inner !== 'object' || inner === null;
    let node = this.doc.createNode(value, { flow: !plain(value) && Object.values(value as object).every(plain) }) as Node;
    for (const name of [...keys].reverse()) {
      const section = this.doc.createNode({}) as YAMLMap;
      section.add(this.doc.createPair(name, node));
      node = section;
    }
    return node;
  }

  /**
   * The node's text at column 0 without a final newline. Its own comments are left out: they
   * stay in the file's text around the spot where it goes.
   */
  private render(node: Node): string {
    node.commentBefore = undefined;
    node.comment = undefined;
    node.spaceBefore = undefined;
    return new (loadYaml().Document)(node).toString({ indent: this.indent }).replace(/\n$/, '');
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const splice = (text: string, start: number, end: number, insert: string) => text.slice(0, start) + insert + text.slice(end);

const columnOf = (text: string, at: number) => at - (text.lastIndexOf('\n', at - 1) + 1);

/** Indents every line but the first (which starts where the old text started) unless `first`. */
function indentLines(text: string, column: number, first: boolean): string {
  const pad = ' '.repeat(column);
  return text
    .split('\n')
    .map((line, index) => (line === '' || (index === 0 && !first) ? line : pad + line))
    .join('\n');
}

/** The start of the line after the one `at` is on (`at` itself when it starts a line). */
function lineEndAfter(text: string, at: number): number {
  if (at > 0 && text[at - 1] === '\n') return at;
  const newline = text.indexOf('\n', at);
  return newline < 0 ? text.length : newline + 1;
}

/**
 * Where a section whose entries start at `column` ends, from `from` on: past the comment lines
 * indented at least as far (its own), and the blank lines between them, but not a blank line
 * after the last one.
 */
function sectionEnd(text: string, from: number, column: number): number {
  let end = from;
  for (let at = from; at < text.length; ) {
    const newline = text.indexOf('\n', at);
    const next = newline < 0 ? text.length : newline + 1;
    const line = text.slice(at, next);
    const content = line.trimStart();
    if (content !== '') {
      if (!content.startsWith('#') || line.length - content.length < column) break;
      end = next;
    }
    at = next;
  }
  return end;
}
