/**
 * The test run (`npm test`), sized for CI's two cores: the end-to-end files spend most of their
 * time waiting on child processes (paced replays, brokers, daemons, kill timers), so more files
 * run at once than there are cores, and the slowest start first.
 */
import os from 'node:os';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The slowest files, slowest first. A fresh clone has no timings of earlier runs, so vitest
 * would order files by size and could start a two-minute file last, to run on alone at the end.
 */
const SLOWEST_FIRST = [
  'test/generated-captures.test.ts',
  'test/install.test.ts',
  'test/leak-scan.test.ts',
  'test/state-dir.test.ts',
  'test/ignore-list.test.ts',
  'test/replay-oracle.test.ts',
  'test/crash-loop.test.ts',
  'test/calibrate-guided.test.ts',
  'test/daemon.test.ts',
  'src/publish/mqtt-publisher.test.ts',
];

class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const index = SLOWEST_FIRST.findIndex((name) => file.moduleId.endsWith(`/${name}`));
      return index === -1 ? SLOWEST_FIRST.length : index;
    };
    // A stable sort: the other files keep vitest's order (longest last time, else largest).
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'eval/**/*.test.ts'],
    pool: 'forks',
    // One file more than cores: two cores ran the suite in 743 s one file at a time (vitest's
    // default there), and a sample of five slow files took 151 s alone, 102 s two and 73 s three at a time.
    maxWorkers: os.availableParallelism() + 1,
    sequence: { sequencer: SlowestFirst },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
