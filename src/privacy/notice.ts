/**
 * The sign for the venue's door and website (`footfall privacy notice`), written from the live
 * config so that it says what this sensor really does: which signals are counted, that nothing
 * naming anyone is kept, how long pseudonyms last, what is published, what is suppressed, whom
 * to ask and how a device can be left out. Plain words, one screen, as text, Markdown or HTML.
 */
import type { Config } from '../config/schema.js';
import { privacyManifest } from './manifest.js';

export const NOTICE_FORMATS = ['text', 'markdown', 'html'] as const;
export type NoticeFormat = (typeof NOTICE_FORMATS)[number];

/** The notice's words, before they are laid out in one format or another. */
export interface NoticeContent {
  title: string;
  intro: string;
  points: string[];
  footer: string;
}

/** A window's length as a span ("1 hour") and as a period ("each hour"). */
function span(value: number): string {
  if (value % 60 === 0) return value === 60 ? '1 hour' : `${value / 60} hours`;
  return `${value} minutes`;
}

function period(value: number): string {
  if (value === 60) return 'each hour';
  if (value === 1440) return 'each day';
  return `each ${span(value)}`;
}

export function noticeContent(config: Config, version: string): NoticeContent {
  const manifest = privacyManifest(config, version);
  const { wifi, ble } = config.capture;
  const signals = [wifi.enabled ? 'Wi-Fi' : null, ble.enabled ? 'Bluetooth' : null].filter((signal) => signal !== null).join(' and ');
  const window = span(manifest.window_minutes);
  const zoned = Object.keys(config.zones.wifi).length > 0 || Object.keys(config.zones.ble).length > 0;
  const contact = manifest.contact ?? 'the staff at the counter';
  const published = [
    `how many phones were heard in ${period(manifest.window_minutes)}`,
    zoned ? 'how many of them were inside' : null,
    'how many were present in each 5 minutes',
    wifi.enabled ? 'and, in bands, how long visitors stayed' : null,
  ].filter((part) => part !== null);
  return {
    title: 'Counting visitors, privately',
    intro:
      `This venue counts how many phones are near it, from the ${signals} signals that phones send out on their own, ` +
      'to know how busy it is and when.',
    points: [
      "No name, phone number or device address is kept. On the sensor, each phone's address is turned into a " +
        `pseudonym with a secret key that is destroyed after at most ${window}: from then on nobody, the venue included, ` +
        'can tell which phone a pseudonym was.',
      `Only counts leave the sensor: ${published.join(', ')}. Never anything about one phone.`,
      ...(manifest.min_count > 0 ? [`Counts below ${manifest.min_count} are published as 0, so that a count never points at one person.`] : []),
      `A device with a fixed address (a laptop, a watch, a tablet) can be left out of the counting altogether: ask ${contact}, with its ${signals.replace(' and ', ' or ')} address.`,
      `Questions: ${contact}.`,
    ],
    footer: `Counted by footfall ${version}, sensor ${manifest.sensor}.`,
  };
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (char) => HTML_ESCAPES[char]!);

/** Wraps `text` at `width` columns, continuation lines indented by `indent`. */
function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines.join('\n');
}

export function renderNotice(content: NoticeContent, format: NoticeFormat): string {
  switch (format) {
    case 'text':
      return [content.title.toUpperCase(), '', wrap(content.intro, 78, ''), '', ...content.points.map((point) => wrap(`- ${point}`, 78, '  ')), '', content.footer, ''].join('\n');
    case 'markdown':
      return [`# ${content.title}`, '', content.intro, '', ...content.points.map((point) => `- ${point}`), '', `_${content.footer}_`, ''].join('\n');
    case 'html':
      return [
        '<!doctype html>',
        '<html lang="en">',
        '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
        `<title>${escapeHtml(content.title)}</title></head>`,
        '<body>',
        `<h1>${escapeHtml(content.title)}</h1>`,
        `<p>${escapeHtml(content.intro)}</p>`,
        '<ul>',
        ...content.points.map((point) => `<li>${escapeHtml(point)}</li>`),
        '</ul>',
        `<p><small>${escapeHtml(content.footer)}</small></p>`,
        '</body>',
        '</html>',
        '',
      ].join('\n');
  }
}
