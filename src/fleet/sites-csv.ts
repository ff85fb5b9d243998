/**
 * The installer's list of sites for `footfall provision`: a CSV file, one sensor a row, as a
 * spreadsheet exports it (a header row, quoted fields, CRLF line ends, a UTF-8 byte order mark,
 * commas or, from spreadsheets in many European locales, semicolons). Each value is checked with
 * the config's own field that will hold it, and a mistake names its line.
 */
import { schema } from '../config/schema.js';

/** One sensor of the fleet, as its row gives it. */
export interface Site {
  /** The row's line in the file, for messages. */
  line: number;
  sensorId: string;
  /** Where the sensor is, in the installer's words: for the config's comment and the ACL. */
  site: string;
  mqttUrl: string;
  zones: { wifi?: Record<string, number>; ble?: Record<string, number> };
}

/** The file cannot be used as it is; the message names the line and what to write (sysexits EX_DATAERR). */
export class SitesError extends Error {
  override readonly name = 'SitesError';
  readonly exitCode = 65;
}

const COLUMNS = ['sensor', 'site', 'mqtt_url', 'zones_wifi', 'zones_ble'] as const;
type Column = (typeof COLUMNS)[number];
const REQUIRED: readonly Column[] = ['sensor', 'site'];

/** A record of the file with the line it starts on. */
interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * RFC 4180 records: fields separated by `delimiter`, a quoted field may hold the delimiter, line
 * breaks and doubled quotes. Lines with nothing on them are skipped.
 */
export function parseCsvRecords(text: string, delimiter: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  let wasQuoted = false;
  const endField = () => {
    fields.push(wasQuoted ? field : field.trim());
    field = '';
    wasQuoted = false;
  };
  const endRecord = () => {
    endField();
    if (fields.length > 1 || fields[0] !== '') records.push({ line: recordLine, fields });
    fields = [];
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        if (char === '\n') line++;
        field += char;
      }
    } else if (char === '"' && field.trim() === '') {
      quoted = true;
      wasQuoted = true;
      field = '';
    } else if (char === delimiter) {
      endField();
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += char;
    }
  }
  if (quoted) throw new SitesError(`line ${recordLine}: a quoted field is not closed: add the closing "`);
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}

/** The zones column's value as the config's zones field reads it from text (`inside=-65,nearby=-80`). */
function parseZones(raw: string, column: Column, line: number): Record<string, number> | undefined {
  if (raw === '') return undefined;
  const field = column === 'zones_wifi' ? schema.zones.wifi : schema.zones.ble;
  const parsed = field.parse(raw, true);
  if (!parsed.ok) throw new SitesError(`line ${line}: ${column} ${JSON.stringify(raw)} is not allowed: must be ${parsed.allowed}`);
  return parsed.value;
}

/**
 * The sites of a CSV file. Columns, in any order: sensor and site (required), mqtt_url (else
 * `defaultMqttUrl`), zones_wifi and zones_ble (`inside=-65,nearby=-80`, when known). Throws
 * SitesError for the first mistake.
 */
export function parseSites(text: string, defaultMqttUrl?: string): Site[] {
  const body = text.replace(/^\uFEFF/, '');
  const firstLine = body.slice(0, body.search(/\r|\n|$/));
  const delimiter = firstLine.includes(';') && !firstLine.includes(',') ? ';' : ',';
  const [header, ...rows] = parseCsvRecords(body, delimiter);
  if (header === undefined) throw new SitesError(`the file is empty: write a header row (${COLUMNS.join(',')}), then one row per sensor`);

  const columns = header.fields.map((name) => name.toLowerCase());
  for (const name of columns) {
    if (!(COLUMNS as readonly string[]).includes(name)) {
      throw new SitesError(`line ${header.line}: unknown column ${JSON.stringify(name)}: the columns are ${COLUMNS.join(', ')}`);
    }
    if (columns.indexOf(name) !== columns.lastIndexOf(name)) throw new SitesError(`line ${header.line}: the column ${name} is there twice`);
  }
  for (const name of REQUIRED) {
    if (!columns.includes(name)) throw new SitesError(`line ${header.line}: the header has no ${name} column: the columns are ${COLUMNS.join(', ')}`);
  }
  if (rows.length === 0) throw new SitesError('the file has a header but no sensors: add one row per sensor');

  const sites: Site[] = [];
  const lineOf = new Map<string, number>();
  for (const { line, fields } of rows) {
    if (fields.length > columns.length) throw new SitesError(`line ${line}: ${fields.length} fields for ${columns.length} columns: quote a value that holds "${delimiter}"`);
    const value = (column: Column) => fields[columns.indexOf(column)] ?? '';

    const sensorId = value('sensor');
    const id = schema.sensor.id.parse(sensorId, true);
    if (!id.ok) throw new SitesError(`line ${line}: sensor ${JSON.stringify(sensorId)} is not allowed: must be ${id.allowed}`);
    // Each sensor gets a folder of its name: a leading dot would hide it, or be "." or "..".
    if (sensorId.startsWith('.')) throw new SitesError(`line ${line}: sensor ${JSON.stringify(sensorId)} must not start with "."`);
    const earlier = lineOf.get(sensorId.toLowerCase());
    if (earlier !== undefined) throw new SitesError(`line ${line}: the sensor ${sensorId} is on line ${earlier} already (ids that differ in case alone would share a folder): give each sensor its own id`);
    lineOf.set(sensorId.toLowerCase(), line);

    const site = value('site');
    // The site goes into comments of the config and the ACL, one line each.
    if (site === '' || /[\p{Cc}]/u.test(site)) throw new SitesError(`line ${line}: site must be a name on one line (e.g. "Store 12, Leeds")`);

    const rawUrl = value('mqtt_url') || defaultMqttUrl;
    if (rawUrl === undefined || rawUrl === '') throw new SitesError(`line ${line}: no mqtt_url: fill the column, or give --mqtt-url for every row without one`);
    const url = schema.mqtt.url.parse(rawUrl, true);
    if (!url.ok || url.value === null) throw new SitesError(`line ${line}: mqtt_url ${JSON.stringify(rawUrl)} is not allowed: must be ${url.ok ? 'a URL' : url.allowed}`);

    const wifi = parseZones(value('zones_wifi'), 'zones_wifi', line);
    const ble = parseZones(value('zones_ble'), 'zones_ble', line);
    sites.push({ line, sensorId, site, mqttUrl: url.value, zones: { ...(wifi && { wifi }), ...(ble && { ble }) } });
  }
  return sites;
}
