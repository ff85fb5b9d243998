/**
 * The config file's JSON Schema (`schema/footfall.config.json`), made from the same schema.ts as
 * the config's own validation, so that an editor with a YAML language server checks
 * /etc/footfall/footfall.yaml as it is typed, with each key's documentation on hover. It
 * describes the file only: environment variables and flags are read as text by the loader.
 * Checks across keys (a client certificate needs its key, ...) are left to `footfall config check`.
 */
import { parse as parseYaml } from 'yaml';
import { JSON_SCHEMA_DRAFT, type JsonSchema, type JsonType } from '../payloads/json-schema.js';
import { NAME, type Field } from './fields.js';
import { isSection, listFields, schema } from './schema.js';

/** What the builders in fields.ts keep of their spec on a field; read here to describe the field. */
interface FieldSpec extends Field<unknown> {
  min?: number;
  max?: number;
  pattern?: RegExp;
  unit?: string;
  check?: (n: number) => boolean;
  accepts?: (entry: string) => boolean;
}

/** Ranges up to this size with an extra check (e.g. "divides 1440") are written as the list of the values that pass. */
const MAX_ENUMERATED = 10_000;

/** Fields that take `null` in the file for none (or an empty list or map). */
const nullable = (field: Field<unknown>, schema: JsonSchema & { type: JsonType }): JsonSchema =>
  field.parse(null, false).ok ? { ...schema, type: [schema.type, 'null'] } : schema;

/** The values of a field made by oneOf(): its error for a value it refuses lists them. */
function enumValues(field: Field<unknown>): string[] | undefined {
  const refused = field.parse('\u0000', false);
  const listed = refused.ok ? undefined : /^one of (.+)$/.exec(refused.allowed)?.[1];
  if (listed === undefined) return undefined;
  const values = listed.split(', ');
  if (!values.every((value) => field.parse(value, false).ok)) throw new Error(`cannot read the values of a field allowing ${refused.ok ? '' : refused.allowed}`);
  return values;
}

function integerSchema(spec: FieldSpec): JsonSchema {
  const { min, max, check } = spec;
  if (min === undefined || max === undefined) throw new Error('an integer field without min and max');
  if (check !== undefined && max - min <= MAX_ENUMERATED) {
    const values = Array.from({ length: max - min + 1 }, (_, i) => min + i).filter((n) => spec.parse(n, false).ok);
    return { type: 'integer', enum: values };
  }
  return { type: 'integer', minimum: min, maximum: max };
}

function valueSchema(field: Field<unknown>): JsonSchema {
  const spec = field as FieldSpec;
  const value = typeof field.default === 'function' ? (field.default as () => unknown)() : field.default;
  if (typeof value === 'boolean') return { type: 'boolean' };
  if (typeof value === 'number') return integerSchema(spec);
  if (Array.isArray(value)) {
    const items: JsonSchema = spec.accepts !== undefined ? { type: 'string', minLength: 1 } : integerSchema(spec);
    return nullable(field, { type: 'array', items });
  }
  if (typeof value === 'object' && value !== null) {
    return nullable(field, { type: 'object', propertyNames: { pattern: NAME.source }, additionalProperties: integerSchema(spec) });
  }
  const values = spec.pattern === undefined ? enumValues(field) : undefined;
  if (values !== undefined) return { type: 'string', enum: values };
  return nullable(field, { type: 'string', minLength: 1, ...(spec.pattern === undefined ? {} : { pattern: spec.pattern.source }) });
}

function fieldSchema(field: Field<unknown>, env: string): JsonSchema {
  const out: JsonSchema = { ...valueSchema(field), description: `${field.doc} (Environment: ${env}.)` };
  if (typeof field.default !== 'function') out.default = field.default;
  else if (field.defaultText !== undefined) out.description = `${field.doc} Default: ${field.defaultText}. (Environment: ${env}.)`;
  if (field.example !== undefined) out.examples = [parseYaml(field.example) as unknown];
  return out;
}

export function configJsonSchema(): JsonSchema {
  const envOf = new Map(listFields().map(({ field, env }) => [field, env]));
  const section = (spec: object): JsonSchema => ({
    type: ['object', 'null'],
    properties: Object.fromEntries(
      Object.entries(spec).map(([name, child]) => [name, isSection(child) ? section(child) : fieldSchema(child as Field<unknown>, envOf.get(child as Field<unknown>)!)]),
    ),
    additionalProperties: false,
  });
  return {
    $schema: JSON_SCHEMA_DRAFT,
    title: 'footfall configuration',
    description:
      'The footfall config file (/etc/footfall/footfall.yaml). Every key is optional and has a default; `footfall config example` prints them all with their documentation, and `footfall config check` also checks what spans several keys.',
    ...section(schema),
  };
}
