import { describe, expect, it } from 'vitest';
import { lostReportsError, unsentReportsError } from './common.js';

describe('unsentReportsError', () => {
  const resend = 'footfall replay --publish --state-dir /var/lib/footfall a.pcap';

  it('is nothing when every report was acknowledged', () => {
    expect(unsentReportsError({ stored: 0, inMemory: 0 }, '/var/lib/footfall', false, resend)).toBeUndefined();
  });

  it('says where the unsent reports wait and what sends them (exit 75)', () => {
    expect(unsentReportsError({ stored: 2, inMemory: 0 }, '/var/lib/footfall', false, resend)).toMatchObject({
      exitCode: 75,
      message: `stopped with 2 report(s) the broker has not acknowledged; they wait in the outbox of /var/lib/footfall, and \`${resend}\` sends them`,
    });
  });

  it('says that reports neither written nor delivered are lost, and why (exit 74)', () => {
    expect(unsentReportsError({ stored: 2, inMemory: 1 }, '/var/lib/footfall', false, resend)).toMatchObject({
      exitCode: 74,
      message: '1 finished report(s) could not be written to /var/lib/footfall (its file system is full) nor delivered, and are lost; free space on it before the next run',
    });
  });
});

describe('lostReportsError', () => {
  it('is nothing when no report is held in memory (those in the outbox are sent by the next start)', () => {
    expect(lostReportsError(0, '/var/lib/footfall')).toBeUndefined();
  });

  it('says the daemon stopped with reports a full disk kept in memory, which are lost (exit 74)', () => {
    expect(lostReportsError(3, '/var/lib/footfall')).toMatchObject({ exitCode: 74, message: expect.stringMatching(/^3 finished report\(s\) could not be written to \/var\/lib\/footfall \(its file system is full\) nor delivered, and are lost; /) });
  });
});
