/**
 * Validation against footfall's JSON Schemas with Ajv (draft-07, strict: a keyword Ajv does not
 * know fails the schema itself). `closed` also refuses properties a schema does not describe:
 * the published schemas let fields be added within a version, but footfall's own messages must
 * not carry one that is not documented.
 */
import AjvModule from 'ajv';
import type { JsonSchema } from '../../src/payloads/json-schema.js';

const Ajv = AjvModule.default;

/** `schema` with additionalProperties: false on every object that lists its properties. */
export function closed(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...schema };
  if (schema.properties !== undefined) {
    out.properties = Object.fromEntries(Object.entries(schema.properties).map(([key, child]) => [key, closed(child)]));
    out.additionalProperties ??= false;
  }
  if (typeof schema.additionalProperties === 'object') out.additionalProperties = closed(schema.additionalProperties);
  if (schema.items !== undefined) out.items = closed(schema.items);
  return out;
}

export type Validate = (value: unknown) => string[];

/** A validator that returns what is wrong with a value, `path: message` each; none when it is valid. */
export function validator(schema: JsonSchema, options: { closed?: boolean } = {}): Validate {
  // Formats (date-time) are described for readers; the patterns beside them are what is checked.
  const ajv = new Ajv({ strict: true, allErrors: true, validateFormats: false });
  const validate = ajv.compile(options.closed ? closed(schema) : schema);
  return (value) => (validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`));
}
