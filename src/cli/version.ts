/** footfall's own version, from its package.json. */
import fs from 'node:fs';

export const FOOTFALL_VERSION: string = (
  JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
