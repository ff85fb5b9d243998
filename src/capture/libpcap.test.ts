import { describe, expect, it } from 'vitest';
import { LivePcap, linkTypeFromBinding } from './libpcap.js';

const isRoot = process.getuid?.() === 0;

async function waitFor(what: string, done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('linkTypeFromBinding', () => {
  it('reads the names the binding gives and the numbers it does not name', () => {
    expect(linkTypeFromBinding('LINKTYPE_ETHERNET')).toBe(1);
    expect(linkTypeFromBinding('LINKTYPE_IEEE802_11_RADIO')).toBe(127);
    expect(linkTypeFromBinding('Unknown linktype 105')).toBe(105);
    expect(linkTypeFromBinding('Unknown linktype 163')).toBe(163);
    expect(linkTypeFromBinding('something else')).toBeNaN();
  });
});

describe.skipIf(!isRoot)(`LivePcap on the loopback interface${isRoot ? '' : ' (skipped: needs root)'}`, () => {
  /** An IEEE local-experimental ethertype: the kernel drops these frames, and the filter lets only them through. */
  const filter = 'ether proto 0x88b5';
  const frame = (text: string) => Buffer.concat([Buffer.alloc(12), Buffer.from([0x88, 0xb5]), Buffer.from(text)]);

  it('hands injected frames to one callback through the shared buffers, counts them, and closes at once', async () => {
    const capture = new LivePcap({ interface: 'lo', filter, bufferKb: 256, onWarning: () => {} });
    expect(capture.open()).toBe(1);
    const sender = new LivePcap({ interface: 'lo', filter, bufferKb: 64, onWarning: () => {} });
    sender.open();
    const tag = `footfall-${process.pid}-`;
    const received: Array<{ text: string; length: number; original: number; timeMs: number }> = [];
    capture.start(
      () => {
        const length = capture.capturedLength();
        received.push({ text: capture.packet.toString('latin1', 14, length), length, original: capture.originalLength(), timeMs: capture.timeMs() });
      },
      (error) => {
        throw error;
      },
    );
    const sentAt = Date.now();
    for (let i = 0; i < 5; i++) sender.inject(frame(`${tag}${i}`));
    sender.close();
    await waitFor('five frames', () => received.length >= 5);

    expect(received.map((r) => r.text)).toEqual([0, 1, 2, 3, 4].map((i) => `${tag}${i}`));
    for (const r of received) {
      expect(r.length).toBe(14 + tag.length + 1);
      expect(r.original).toBe(r.length);
      expect(Math.abs(r.timeMs - sentAt)).toBeLessThan(60_000);
    }
    const stats = capture.stats();
    expect(stats.received).toBeGreaterThanOrEqual(5);
    expect(stats.dropped).toBe(0);

    capture.close();
    capture.close();
    expect(capture.stats()).toEqual(stats);
    expect(() => capture.inject(frame('late'))).toThrow(/open LivePcap/);
  });

  it('can be closed from inside its callback', async () => {
    const capture = new LivePcap({ interface: 'lo', filter, bufferKb: 256, onWarning: () => {} });
    capture.open();
    let calls = 0;
    capture.start(
      () => {
        calls++;
        capture.close();
      },
      (error) => {
        throw error;
      },
    );
    const sender = new LivePcap({ interface: 'lo', filter, bufferKb: 64, onWarning: () => {} });
    sender.open();
    for (let i = 0; i < 20; i++) sender.inject(frame(`closing-${i}`));
    sender.close();
    await waitFor('the first frame', () => calls > 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(calls).toBe(1);
  });

  it("throws libpcap's message when the interface does not exist or the filter does not fit its link type", () => {
    const warnings: string[] = [];
    expect(() => new LivePcap({ interface: 'footfall-none', filter: '', bufferKb: 64, onWarning: (w) => warnings.push(w) }).open()).toThrow(/No such device/);
    expect(warnings.join('\n')).toContain('footfall-none');
    expect(() => new LivePcap({ interface: 'lo', filter: 'type mgt subtype probe-req', bufferKb: 64, onWarning: () => {} }).open()).toThrow(/802\.11/);
  });

  it('opens once, and starts only when open', () => {
    const capture = new LivePcap({ interface: 'lo', filter, bufferKb: 64, onWarning: () => {} });
    expect(() => capture.start(() => {}, () => {})).toThrow(/open/);
    capture.open();
    expect(() => capture.open()).toThrow(/once/);
    capture.close();
  });
});
