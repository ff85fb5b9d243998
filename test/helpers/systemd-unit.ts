/** Reading systemd unit files in tests, and finding the system tools the tests need. */
import fs from 'node:fs';
import path from 'node:path';

/** Every `Key=value` of a unit, by key, in order; a key given twice keeps both values. */
export function unitDirectives(text: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    directives.set(key, [...(directives.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return directives;
}

/** The one value of `key`, or undefined; fails when the unit gives it more than once. */
export function unitValue(directives: Map<string, string[]>, key: string): string | undefined {
  const values = directives.get(key);
  if (values !== undefined && values.length > 1) throw new Error(`${key} is set ${values.length} times`);
  return values?.[0];
}

/** The executable `command` resolves to on PATH, or undefined. */
export function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}
