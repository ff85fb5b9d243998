import { describe, expect, it } from 'vitest';
import { PhoneMarker } from '../capture/phone-marker.js';
import type { SourceKind } from '../capture/source.js';
import type { MarkedSampleListener } from '../privacy/marked-phone-tap.js';
import { distancePlan, GuidedWalk, type WalkTerminal } from './guided-walk.js';
import type { SampleFeed } from './sample-feed.js';

/** One exchange at the prompt: what is asked, what is typed, and what the radios hear while that distance is sampled. */
interface Step {
  asked: RegExp;
  answer: string;
  heard?: Partial<Record<SourceKind, number[]>>;
}

class FakeFeed implements SampleFeed {
  readonly description = 'a test feed';
  listener: MarkedSampleListener | undefined;
  stopped = false;
  constructor(private readonly sources: SourceKind[]) {}
  async start(listener: MarkedSampleListener): Promise<SourceKind[]> {
    this.listener = listener;
    return this.sources;
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
}

/** Answers from a script; the samples of an answer arrive with the first readout after it. */
class ScriptedTerminal implements WalkTerminal {
  readonly said: string[] = [];
  readonly readouts: string[] = [];
  private pending: Step['heard'];
  constructor(
    private readonly steps: Step[],
    private readonly feed: FakeFeed,
  ) {}
  say(text: string): void {
    this.said.push(text);
  }
  readout(text: string | null): void {
    if (text === null) return;
    this.readouts.push(text);
    for (const [source, values] of Object.entries(this.pending ?? {})) {
      for (const rssi of values) this.feed.listener!({ source: source as SourceKind, timeMs: 0, rssi });
    }
    this.pending = undefined;
  }
  async ask(question: string): Promise<string> {
    const step = this.steps.shift();
    if (step === undefined) throw new Error(`asked past the script: ${question}`);
    expect(question).toMatch(step.asked);
    this.pending = step.heard;
    return step.answer;
  }
}

const around = (median: number) => [median - 2, median - 1, median, median + 1, median + 2];
const marker = new PhoneMarker({ ssid: 'cal', bleName: 'cal' });

async function walk(steps: Step[], sources: SourceKind[] = ['wifi']) {
  const feed = new FakeFeed(sources);
  const terminal = new ScriptedTerminal(steps, feed);
  const zones = [{ name: 'inside', radiusM: 3 }];
  const measured = await new GuidedWalk({ feed, marker, zones, sampleSeconds: 0.05, terminal }).run();
  expect(steps).toEqual([]);
  expect(feed.stopped).toBe(true);
  return { measured, terminal };
}

describe('distancePlan', () => {
  it('asks for doublings from 1 m up to the farthest zone, and for each zone edge', () => {
    expect(distancePlan([{ name: 'inside', radiusM: 6 }, { name: 'nearby', radiusM: 15 }])).toEqual([1, 2, 4, 6, 8, 15]);
    expect(distancePlan([{ name: 'inside', radiusM: 3 }])).toEqual([1, 2, 3]);
    expect(distancePlan([{ name: 'inside', radiusM: 1.5 }])).toEqual([1, 1.5, 2]);
  });
});

describe('GuidedWalk', () => {
  it('samples the planned distances, and a distance the installer types instead', async () => {
    const { measured, terminal } = await walk([
      { asked: /Hold the phone 1 m/, answer: '', heard: { wifi: around(-40) } },
      { asked: /Walk to 2 m/, answer: '2.5', heard: { wifi: around(-50) } },
      { asked: /Walk to 3 m/, answer: '', heard: { wifi: around(-52) } },
      { asked: /Type another distance/, answer: '' },
    ]);
    expect([...measured.get('wifi')!.keys()]).toEqual([1, 2.5, 3]);
    expect(measured.get('wifi')!.get(2.5)).toEqual(around(-50));
    expect(terminal.readouts.some((line) => /^2\.5 m, \d s left: Wi-Fi 5 samples, median -50 dBm, spread 2 dB$/.test(line))).toBe(true);
  });

  it('warns when the phone is not heard and samples again on r', async () => {
    const { measured, terminal } = await walk([
      { asked: /Hold the phone 1 m/, answer: '', heard: {} },
      { asked: /Press r to sample here again/, answer: 'r', heard: { wifi: around(-40) } },
      { asked: /Walk to 2 m/, answer: '', heard: { wifi: around(-47) } },
      { asked: /Walk to 3 m/, answer: 'd' },
    ]);
    expect(terminal.said).toContain(
      'warning: Wi-Fi: the phone was not heard at 1 m: is the hidden network saved on the phone exactly as given (Wi-Fi network "cal", BLE name "cal"), Wi-Fi on, and its Wi-Fi settings screen open? Phones probe for hidden networks while they scan.',
    );
    expect([...measured.get('wifi')!.keys()]).toEqual([1, 2]);
  });

  it('warns of a wide spread and of RSSI that rises with distance; the installer keeps or drops them', async () => {
    const wide = [-30, -35, -45, -50, -55, -60, -70];
    const { measured, terminal } = await walk([
      { asked: /Hold the phone 1 m/, answer: '', heard: { wifi: around(-40) } },
      { asked: /Walk to 2 m/, answer: '', heard: { wifi: wide } },
      { asked: /Press r/, answer: 'k' },
      { asked: /Walk to 3 m/, answer: '', heard: { wifi: around(-30) } },
      { asked: /Press r/, answer: 's' },
      { asked: /Walk to 3 m/, answer: 'd' },
    ]);
    expect(terminal.said.some((line) => /^warning: Wi-Fi: .*spread/.test(line))).toBe(true);
    expect(terminal.said.some((line) => /^warning: Wi-Fi: the median at 3 m \(-30 dBm\) is 20\.0 dB above the one at 2 m/.test(line))).toBe(true);
    expect([...measured.get('wifi')!.keys()]).toEqual([1, 2]);
  });

  it('needs two distances before it is done, and says why a typed distance is wrong', async () => {
    const { measured, terminal } = await walk([
      { asked: /Hold the phone 1 m/, answer: '', heard: { wifi: around(-40) } },
      { asked: /Walk to 2 m/, answer: 'd' },
      { asked: /Walk to 2 m/, answer: 'far' },
      { asked: /Walk to 2 m/, answer: 's' },
      { asked: /Walk to 3 m/, answer: '3', heard: { wifi: around(-52) } },
      { asked: /Type another distance/, answer: '' },
    ]);
    expect(terminal.said).toContain('At least two distances are needed for a fit: sample one more.');
    expect(terminal.said.some((line) => /give the distance in metres/.test(line))).toBe(true);
    expect([...measured.get('wifi')!.keys()]).toEqual([1, 3]);
  });

  it('keeps each radio apart, and keeps the one that heard the phone when the other did not', async () => {
    const { measured, terminal } = await walk(
      [
        { asked: /Hold the phone 1 m/, answer: '', heard: { wifi: around(-40), ble: around(-60) } },
        { asked: /Walk to 2 m/, answer: '', heard: { wifi: around(-47) } },
        { asked: /Press r/, answer: 'k' },
        { asked: /Walk to 3 m/, answer: '', heard: { wifi: around(-52), ble: around(-70) } },
        { asked: /Type another distance/, answer: '' },
      ],
      ['wifi', 'ble'],
    );
    expect(terminal.said.some((line) => line.startsWith('warning: BLE: the phone was not heard at 2 m: is the beacon app advertising'))).toBe(true);
    expect([...measured.get('wifi')!.keys()]).toEqual([1, 2, 3]);
    expect([...measured.get('ble')!.keys()]).toEqual([1, 3]);
  });

  it('stops the feed and rejects with the reason when the walk is ended', async () => {
    const feed = new FakeFeed(['wifi']);
    const interrupt = new AbortController();
    const terminal: WalkTerminal = {
      say: () => {},
      readout: () => interrupt.abort(new Error('interrupted')),
      ask: async () => '',
    };
    const walking = new GuidedWalk({ feed, marker, zones: [{ name: 'inside', radiusM: 3 }], sampleSeconds: 5, terminal, signal: interrupt.signal }).run();
    await expect(walking).rejects.toThrow('interrupted');
    expect(feed.stopped).toBe(true);
  });
});
