/**
 * A strict reader of the Prometheus text exposition format, as node_exporter's textfile collector
 * takes it: `# HELP` and `# TYPE` once per metric and before its samples, samples of one metric
 * together, `name{label="value",...} value` with no timestamp (the collector refuses those), no
 * label set twice. Throws naming the line that breaks a rule.
 */

export interface PromSample {
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  help: string;
  type: string;
  samples: PromSample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);
const LABEL_PAIR = new RegExp(`^(${LABEL})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"(?:,|$)`);

function parseValue(text: string, where: string): number {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${where}: ${JSON.stringify(text)} is not a sample value`);
  return Number(text);
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== '') {
    const match = LABEL_PAIR.exec(rest);
    if (!match) throw new Error(`${where}: bad labels ${JSON.stringify(rest)}`);
    const [whole, name, value] = match as unknown as [string, string, string];
    if (Object.hasOwn(labels, name)) throw new Error(`${where}: label ${name} twice`);
    labels[name] = value.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(whole.length);
  }
  return labels;
}

export function parsePrometheusText(text: string): Map<string, PromFamily> {
  if (!text.endsWith('\n')) throw new Error('the text must end with a line feed');
  const families = new Map<string, PromFamily>();
  const closed = new Set<string>();
  let current: string | undefined;
  const family = (name: string, where: string): PromFamily => {
    if (closed.has(name)) throw new Error(`${where}: ${name} appears again after other metrics`);
    if (current !== undefined && current !== name) closed.add(current);
    current = name;
    let entry = families.get(name);
    if (!entry) {
      entry = { help: '', type: '', samples: [] };
      families.set(name, entry);
    }
    return entry;
  };
  text
    .slice(0, -1)
    .split('\n')
    .forEach((line, index) => {
      const where = `line ${index + 1}`;
      if (line.trim() === '') return;
      const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (comment) {
        const [, keyword, name, rest] = comment as unknown as [string, string, string, string];
        if (!new RegExp(`^${NAME}$`).test(name)) throw new Error(`${where}: bad metric name ${name}`);
        const entry = family(name, where);
        if (entry.samples.length > 0) throw new Error(`${where}: # ${keyword} after the samples of ${name}`);
        if (keyword === 'HELP') {
          if (entry.help !== '') throw new Error(`${where}: second # HELP for ${name}`);
          entry.help = rest;
        } else {
          if (entry.type !== '') throw new Error(`${where}: second # TYPE for ${name}`);
          if (!TYPES.has(rest)) throw new Error(`${where}: unknown type ${rest}`);
          entry.type = rest;
        }
        return;
      }
      if (line.startsWith('#')) return;
      const sample = SAMPLE.exec(line);
      if (!sample) throw new Error(`${where}: not a sample: ${JSON.stringify(line)}`);
      const [, name, labelText, valueText] = sample as unknown as [string, string, string | undefined, string];
      const entry = family(name, where);
      const labels = parseLabels(labelText ?? '', where);
      const key = JSON.stringify(Object.entries(labels).sort());
      if (entry.samples.some((s) => JSON.stringify(Object.entries(s.labels).sort()) === key)) throw new Error(`${where}: ${name}${key} twice`);
      entry.samples.push({ labels, value: parseValue(valueText, where) });
    });
  return families;
}
