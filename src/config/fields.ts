/**
 * Building blocks of the config schema. A field knows its default, its documentation and how to
 * read a value from YAML (typed) or from an environment variable or flag (always a string), and
 * says what is allowed when a value does not fit.
 */

/**
 * A bad value says what is allowed. `unrepeated` names what was wrong (e.g. "entry 3") for
 * fields whose values must not be repeated in an error, so the value itself is left out.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; allowed: string; unrepeated?: string };

export interface Field<T> {
  readonly isField: true;
  readonly doc: string;
  /** The default; a function for defaults that depend on the machine (the host name). */
  readonly default: T | (() => T);
  /** How the default is written in the documented example, where it is not a plain value. */
  readonly defaultText?: string;
  /** A value written in the documented example for fields that default to none. */
  readonly example?: string;
  parse(raw: unknown, fromText: boolean): Parsed<T>;
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(allowed: string): Parsed<T> => ({ ok: false, allowed });

interface Common<T> {
  doc: string;
  default: T | (() => T);
  defaultText?: string;
  example?: string;
}

export function integer(
  spec: Common<number> & { min: number; max: number; check?: (n: number) => boolean; allowed?: string },
): Field<number> {
  const allowed = spec.allowed ?? `a whole number from ${spec.min} to ${spec.max}`;
  return {
    isField: true,
    ...spec,
    parse(raw, fromText) {
      let n = raw;
      if (fromText && typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw)) n = Number(raw);
      if (typeof n !== 'number' || !Number.isInteger(n) || n < spec.min || n > spec.max) return bad(allowed);
      if (spec.check && !spec.check(n)) return bad(allowed);
      return ok(n);
    },
  };
}

export function boolean(spec: Common<boolean>): Field<boolean> {
  return {
    isField: true,
    ...spec,
    parse(raw, fromText) {
      if (typeof raw === 'boolean') return ok(raw);
      if (fromText && typeof raw === 'string') {
        const text = raw.trim().toLowerCase();
        if (['true', 'yes', 'on', '1'].includes(text)) return ok(true);
        if (['false', 'no', 'off', '0'].includes(text)) return ok(false);
      }
      return bad('true or false');
    },
  };
}

/**
 * A string. `check` looks further than a pattern can (a URL as its client will parse it) and
 * says what the value must be instead when it does not pass.
 */
export function text(
  spec: Common<string> & { pattern?: RegExp; allowed?: string; check?: (value: string) => string | undefined },
): Field<string> {
  const allowed = spec.allowed ?? 'a non-empty string';
  return {
    isField: true,
    ...spec,
    parse(raw, fromText) {
      const value = typeof raw === 'number' && !fromText ? String(raw) : raw;
      if (typeof value !== 'string' || value.length === 0) return bad(allowed);
      if (spec.pattern && !spec.pattern.test(value)) return bad(allowed);
      const instead = spec.check?.(value);
      if (instead !== undefined) return bad(instead);
      return ok(value);
    },
  };
}

/** A string that may be absent: `null` in YAML, an empty environment variable. */
export function optionalText(
  spec: Common<string | null> & { pattern?: RegExp; allowed?: string; check?: (value: string) => string | undefined },
): Field<string | null> {
  const inner = text({ ...spec, default: '' });
  return {
    isField: true,
    ...spec,
    parse(raw, fromText) {
      if (raw === null || (fromText && raw === '')) return ok(null);
      const parsed = inner.parse(raw, fromText);
      return parsed.ok ? parsed : bad(`${parsed.allowed}, or null for none`);
    },
  };
}

export function oneOf<const V extends string>(values: readonly V[], spec: Common<V>): Field<V> {
  return {
    isField: true,
    ...spec,
    parse(raw) {
      return typeof raw === 'string' && (values as readonly string[]).includes(raw)
        ? ok(raw as V)
        : bad(`one of ${values.join(', ')}`);
    },
  };
}

/**
 * A map from names to whole numbers in a range, in the order written (which may mean something:
 * the first zone is the premises). From text it reads `name=value,name=value` (or JSON), so a
 * map can still be set from one environment variable. Names start with a letter: JavaScript puts
 * keys that look like whole numbers ("1") first, whatever the order they were written in.
 */
export const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

export function namedNumbers(
  spec: Common<Record<string, number>> & { min: number; max: number; unit: string },
): Field<Record<string, number>> {
  const allowed =
    `a map of names (a letter, then letters, digits, _ and -) to whole numbers from ${spec.min} to ${spec.max} ${spec.unit}` +
    `, e.g. {inside: -65, nearby: -80}, or "inside=-65,nearby=-80" as text`;
  const fromPairs = (raw: string): unknown => {
    const trimmed = raw.trim();
    if (trimmed === '') return {};
    if (trimmed.startsWith('{')) {
      try {
        return JSON.parse(trimmed) as unknown;
      } catch {
        return undefined;
      }
    }
    const out: Record<string, unknown> = {};
    for (const pair of trimmed.split(',')) {
      const match = /^\s*([^=\s]+)\s*=\s*(-?\d+)\s*$/.exec(pair);
      if (!match || Object.hasOwn(out, match[1]!)) return undefined;
      out[match[1]!] = Number(match[2]);
    }
    return out;
  };
  return {
    isField: true,
    ...spec,
    parse(raw, fromText) {
      const value = fromText && typeof raw === 'string' ? fromPairs(raw) : raw === null ? {} : raw;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad(allowed);
      const out: Record<string, number> = {};
      for (const [name, n] of Object.entries(value)) {
        if (!NAME.test(name)) return bad(allowed);
        if (typeof n !== 'number' || !Number.isInteger(n) || n < spec.min || n > spec.max) return bad(allowed);
        out[name] = n;
      }
      return ok(out);
    },
  };
}

/** A list of whole numbers in a range; from text, comma-separated (`1,6,11`). */
export function integerList(spec: Common<number[]> & { min: number; max: number; allowed: string }): Field<number[]> {
  return {
    isField: true,
    ...spec,
    parse(raw, fromText) {
      const value = fromText && typeof raw === 'string' ? (raw.trim() === '' ? [] : raw.split(',').map((part) => Number(part.trim()))) : raw;
      if (!Array.isArray(value)) return bad(spec.allowed);
      for (const n of value) {
        if (typeof n !== 'number' || !Number.isInteger(n) || n < spec.min || n > spec.max) return bad(spec.allowed);
      }
      return ok([...(value as number[])]);
    },
  };
}

/**
 * A list of strings that `accepts` each; from text, comma-separated. Its values may be personal
 * data (a person's device address), so a bad one is named by its position, never repeated.
 */
export function privateTextList(
  spec: Common<string[]> & { accepts: (entry: string) => boolean; allowed: string },
): Field<string[]> {
  const list = `a list of ${spec.allowed}`;
  return {
    isField: true,
    ...spec,
    parse(raw, fromText) {
      const value = fromText && typeof raw === 'string' ? (raw.trim() === '' ? [] : raw.split(',')) : raw === null ? [] : raw;
      if (!Array.isArray(value)) return { ok: false, allowed: list, unrepeated: typeof value === 'object' ? 'a mapping' : `a ${typeof value}` };
      const out: string[] = [];
      for (const [index, entry] of value.entries()) {
        if (typeof entry !== 'string' || !spec.accepts(entry)) {
          return { ok: false, allowed: spec.allowed, unrepeated: `entry ${index + 1} (not repeated here)` };
        }
        out.push(entry.trim());
      }
      return ok(out);
    },
  };
}
