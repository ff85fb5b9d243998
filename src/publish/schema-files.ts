/**
 * The files of `schema/`: a JSON Schema for every MQTT payload (`<topic>.json`) and one for the
 * config file (`footfall.config.json`), made from the code. Shipped in the package so that
 * subscribers and editors can use them; a test checks that the committed files are these.
 * After changing a payload or the config schema: `npm run build && node dist/publish/schema-files.js`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from '../config/json-schema.js';
import { payloadSchemaDocument, PAYLOAD_SCHEMAS } from '../payloads/payload-schemas.js';
import type { TopicName } from '../payloads/payloads.js';

export const SCHEMA_DIR = fileURLToPath(new URL('../../schema/', import.meta.url));
export const CONFIG_SCHEMA_FILE = 'footfall.config.json';

export function payloadSchemaFile(topic: TopicName): string {
  return `${topic}.json`;
}

/** Every file of schema/ by name, with its text. */
export function schemaFiles(): Map<string, string> {
  const text = (document: object) => `${JSON.stringify(document, null, 2)}\n`;
  const files = new Map<string, string>();
  for (const topic of Object.keys(PAYLOAD_SCHEMAS) as TopicName[]) files.set(payloadSchemaFile(topic), text(payloadSchemaDocument(topic)));
  files.set(CONFIG_SCHEMA_FILE, text(configJsonSchema()));
  return files;
}

export function writeSchemaFiles(dir = SCHEMA_DIR): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of schemaFiles()) fs.writeFileSync(path.join(dir, name), text);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) writeSchemaFiles();
