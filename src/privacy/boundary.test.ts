/**
 * The privacy boundary in the code itself: only capture/ and privacy/ may import the module
 * that defines the Sighting (the type that carries a raw address).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('..', import.meta.url));
const ALLOWED = ['capture', 'privacy'];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
}

describe('the Sighting type', () => {
  it('is imported only inside capture/ and privacy/', () => {
    const importers = sourceFiles(SRC).filter((file) => {
      const text = fs.readFileSync(path.join(SRC, file), 'utf8');
      return /from\s+'[^']*capture\/sighting\.js'|from\s+'\.\.?\/sighting\.js'/.test(text);
    });
    expect(importers.length).toBeGreaterThan(0);
    const outside = importers.filter((file) => !ALLOWED.includes(file.split(path.sep)[0]!));
    expect(outside).toEqual([]);
  });
});
