import { describe, expect, it } from 'vitest';
import { CommandError, runCommand } from './commands.js';

describe('runCommand', () => {
  it('resolves with stdout', async () => {
    expect(await runCommand('sh', ['-c', 'echo fine'])).toBe('fine\n');
  });

  it('rejects with the command line and its message on one line, without addresses', async () => {
    const error = await runCommand('sh', ['-c', 'echo "failed for 02:ab:cd:ef:01:23\n  twice" >&2; exit 3']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect((error as CommandError).output).toBe('failed for <address> twice');
    expect((error as CommandError).message).toContain('`sh -c echo "failed for');
  });

  it('says when the command is not on PATH', async () => {
    const error = await runCommand('footfall-no-such-command', ['x']).catch((e: unknown) => e);
    expect(error).toMatchObject({ notFound: true, output: 'footfall-no-such-command was not found on PATH' });
  });
});
