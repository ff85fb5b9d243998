/**
 * The health figures for Prometheus without opening a port: a file in the text exposition format
 * that node_exporter's textfile collector reads (`metrics.textfile`), rewritten every
 * `mqtt.health_seconds` whether or not the sensor publishes. The collector may read at any
 * moment, so the file is replaced whole: written beside it under a name it ignores (not `*.prom`)
 * and renamed over it.
 */
import fs from 'node:fs';
import type { Logger } from '../log/logger.js';
import type { HealthPayload, SourceHealth } from '../payloads/payloads.js';

type Labels = Record<string, string>;

interface MetricFamily {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  samples: Array<{ labels: Labels; value: number }>;
}

/** Label values may hold any text; the format escapes backslash, double quote and line feed. */
function labelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Label names are `[a-zA-Z_][a-zA-Z0-9_]*`; version keys such as `better-sqlite3` are mapped onto that. */
function labelName(key: string): string {
  const name = key.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(name) ? name : `_${name}`;
}

function renderFamily(family: MetricFamily): string[] {
  if (family.samples.length === 0) return [];
  const lines = [`# HELP ${family.name} ${family.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${family.name} ${family.type}`];
  for (const { labels, value } of family.samples) {
    const pairs = Object.entries(labels).map(([key, text]) => `${key}="${labelValue(text)}"`);
    lines.push(`${family.name}{${pairs.join(',')}} ${value}`);
  }
  return lines;
}

/** The health payload in Prometheus text exposition format, every sample labelled with the sensor. */
export function prometheusText(health: HealthPayload): string {
  const sensor = { sensor: health.sensor };
  const sources = Object.entries(health.sources).flatMap(([source, figures]) => (figures === undefined ? [] : [{ source, figures }]));
  const perSource = (pick: (figures: SourceHealth) => number) =>
    sources.map(({ source, figures }) => ({ labels: { ...sensor, source }, value: pick(figures) }));
  const families: MetricFamily[] = [
    {
      name: 'footfall_info',
      help: 'Versions of footfall and what it runs on, as labels; always 1.',
      type: 'gauge',
      samples: [{ labels: { ...sensor, ...Object.fromEntries(Object.entries(health.versions).map(([key, version]) => [labelName(key), version])) }, value: 1 }],
    },
    { name: 'footfall_uptime_seconds', help: 'Seconds since the sensor started.', type: 'gauge', samples: [{ labels: sensor, value: health.uptime_seconds }] },
    {
      name: 'footfall_source_capturing',
      help: 'Whether the source (wifi, ble) is capturing: 1, or 0 when it is unavailable or stopped.',
      type: 'gauge',
      samples: perSource((figures) => (figures.state === 'capturing' ? 1 : 0)),
    },
    { name: 'footfall_frames_total', help: 'Frames counted since the sensor started.', type: 'counter', samples: perSource((figures) => figures.frames) },
    {
      name: 'footfall_malformed_frames_total',
      help: 'Frames read but unusable (truncated, malformed or failing their FCS) since the sensor started.',
      type: 'counter',
      samples: perSource((figures) => figures.malformed),
    },
    {
      name: 'footfall_dropped_frames_total',
      help: 'Frames lost before footfall saw them (capture drops) since the sensor started.',
      type: 'counter',
      samples: perSource((figures) => figures.dropped),
    },
    {
      name: 'footfall_outbox_depth',
      help: "Finished reports waiting for the broker's acknowledgement.",
      type: 'gauge',
      samples: [{ labels: sensor, value: health.outbox_depth }],
    },
    {
      name: 'footfall_last_publish_timestamp_seconds',
      help: 'When the broker last acknowledged a report (Unix time); absent before the first.',
      type: 'gauge',
      samples: health.last_publish === null ? [] : [{ labels: sensor, value: Date.parse(health.last_publish) / 1000 }],
    },
    { name: 'footfall_clock_synced', help: 'Whether the system clock is synchronized: 1 or 0.', type: 'gauge', samples: [{ labels: sensor, value: health.clock.synced ? 1 : 0 }] },
    { name: 'footfall_clock_steps_total', help: 'Times the system clock jumped since the sensor started.', type: 'counter', samples: [{ labels: sensor, value: health.clock.steps }] },
    {
      name: 'footfall_clock_held_back_frames_total',
      help: 'Frames not counted because the clock was not synchronized, since the sensor started.',
      type: 'counter',
      samples: [{ labels: sensor, value: health.clock.held_back_frames }],
    },
  ];
  return `${families.flatMap(renderFamily).join('\n')}\n`;
}

export interface MetricsTextfileOptions {
  /** The `*.prom` file, in the directory node_exporter's textfile collector reads. */
  file: string;
  intervalMs: number;
  health: () => HealthPayload;
  logger: Logger;
}

/** Rewrites the metrics file on a timer, and once more at stop so that it shows the sources stopped. */
export class MetricsTextfile {
  private timer: NodeJS.Timeout | undefined;
  /** The last failure logged, so that a directory that stays unwritable is logged once. */
  private loggedFailure: string | undefined;

  constructor(private readonly options: MetricsTextfileOptions) {}

  start(): void {
    this.write();
    this.timer = setInterval(() => this.write(), this.options.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.write();
  }

  /** Replaces the file; a failure is logged (once while it lasts) and never stops the sensor. */
  write(): void {
    const { file, logger } = this.options;
    const temporary = `${file}.${process.pid}.tmp`;
    try {
      // Readable by all: node_exporter runs as its own user.
      fs.writeFileSync(temporary, prometheusText(this.options.health()), { mode: 0o644 });
      fs.renameSync(temporary, file);
      if (this.loggedFailure !== undefined) logger.info('writing the metrics file again', { file });
      this.loggedFailure = undefined;
    } catch (err) {
      fs.rmSync(temporary, { force: true });
      const code = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
      if (code === this.loggedFailure) return;
      this.loggedFailure = code;
      logger.warn('cannot write the metrics file (metrics.textfile); check that its directory exists and is writable', { file, error: code });
    }
  }
}
