import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('createLogger', () => {
  it('writes one line per event at or above its level, with flat fields', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', write: (line) => lines.push(line), journald: false, now: () => new Date(0) });
    logger.debug('hidden');
    logger.info('window finished', { window: '2026-11-22T10:00:00Z', note: 'two words', skipped: undefined });
    expect(lines).toEqual(['1970-01-01T00:00:00.000Z info  window finished window=2026-11-22T10:00:00Z note="two words"\n']);
  });

  it('changes the level of a logger and all its family at once (a reloaded log.level)', () => {
    const lines: string[] = [];
    const root = createLogger({ level: 'info', write: (line) => lines.push(line), journald: true });
    const child = root.child('pipeline');
    const grandchild = child.child('privacy');
    grandchild.debug('hidden');
    grandchild.setLevel('debug');
    root.debug('root');
    child.debug('child');
    root.child('late').debug('late');
    expect(root.isEnabled('debug')).toBe(true);
    root.setLevel('warn');
    grandchild.info('hidden');
    grandchild.warn('grandchild');
    expect(lines).toEqual(['<7>root\n', '<7>pipeline: child\n', '<7>late: late\n', '<4>pipeline.privacy: grandchild\n']);
  });
});
