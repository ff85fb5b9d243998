/**
 * The part of JSON Schema (draft-07, which editors' YAML and JSON language servers and most
 * validators read) that footfall's schemas use, and builders that tie an object's schema to its
 * TypeScript type: the compiler refuses a schema that misses a property of the type, names one
 * the type does not have, or gets wrong which properties are optional.
 */

export const JSON_SCHEMA_DRAFT = 'http://json-schema.org/draft-07/schema#';

export interface JsonSchema {
  $schema?: string;
  $comment?: string;
  title?: string;
  description?: string;
  type?: JsonType | JsonType[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  enum?: readonly unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  minimum?: number;
  maximum?: number;
  default?: unknown;
  examples?: unknown[];
}

export type JsonType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | 'null';

/** The keys of T that may be left out. */
export type OptionalKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? K : never }[keyof T];

/**
 * The schema of an object of type T: a schema for every property of T, and `optional` naming
 * exactly T's optional properties (every other one is required). Extra properties are allowed,
 * so that a subscriber's validation survives fields added within a schema version.
 */
export function objectSchema<T>(
  description: string,
  properties: { [K in keyof T]-?: JsonSchema },
  optional: { [K in OptionalKeys<T>]-?: true },
): JsonSchema {
  const optionalKeys = new Set(Object.keys(optional));
  return {
    type: 'object',
    description,
    properties: properties as Record<string, JsonSchema>,
    required: Object.keys(properties).filter((key) => !optionalKeys.has(key)),
  };
}

/** An object whose keys are names (zones, software) and whose values all have one schema. */
export function mapSchema(description: string, values: JsonSchema): JsonSchema {
  return { type: 'object', description, additionalProperties: values };
}

export function withDescription(schema: JsonSchema, description: string): JsonSchema {
  return { ...schema, description };
}
