/**
 * Renders the documented example configuration from the schema, so that the example file
 * (config/footfall.example.yaml) and `footfall config example` can never drift from the code.
 */
import { stringify } from 'yaml';
import type { Field } from './fields.js';
import { isSection, listFields, schema } from './schema.js';

function wrap(text: string, indent: string, width = 96): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && indent.length + 2 + line.length + word.length + 1 > width) {
      lines.push(`${indent}# ${line}`);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(`${indent}# ${line}`);
  return lines;
}

function valueText(field: Field<unknown>): { text: string; commented: boolean } {
  if (field.defaultText !== undefined) return { text: `${field.example ?? '...'}  # default: ${field.defaultText}`, commented: true };
  const value = field.default as unknown;
  if (value === null) return { text: field.example ?? 'null', commented: true };
  if (typeof value === 'object' && Object.keys(value as object).length === 0 && field.example) {
    return { text: field.example, commented: true };
  }
  return { text: stringify(value, { flow: true }).trim(), commented: false };
}

export function renderExampleConfig(): string {
  const envOf = new Map(listFields().map((f) => [f.field, f.env]));
  const lines = [
    '# footfall configuration (/etc/footfall/footfall.yaml).',
    '# Every key is optional; what is shown is the built-in default, and commented-out keys',
    '# default to none. Each key can also be set by the environment variable named beside it;',
    '# a command-line flag beats the environment, which beats this file.',
    '# Check a file with: footfall config check --config FILE',
  ];
  const walk = (section: object, indent: string) => {
    Object.entries(section).forEach(([name, spec], index) => {
      if (index > 0 || indent === '') lines.push('');
      if (isSection(spec)) {
        lines.push(`${indent}${name}:`);
        walk(spec, `${indent}  `);
        return;
      }
      const field = spec as Field<unknown>;
      lines.push(...wrap(field.doc, indent), `${indent}# env: ${envOf.get(field)}`);
      const { text, commented } = valueText(field);
      lines.push(`${indent}${commented ? '# ' : ''}${name}: ${text}`);
    });
  };
  walk(schema, '');
  return `${lines.join('\n')}\n`;
}
