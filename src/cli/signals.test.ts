import { afterEach, describe, expect, it, vi } from 'vitest';
import { onStopSignal } from './signals.js';

/** Delivers a signal to this process's listeners without the kernel (which would stop vitest). */
const deliver = (signal: NodeJS.Signals) => process.emit(signal, signal);

describe('onStopSignal', () => {
  const removers: Array<() => void> = [];
  afterEach(() => {
    removers.splice(0).forEach((remove) => remove());
    vi.restoreAllMocks();
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('stops a command on %s, once', (signal) => {
    const stops: string[] = [];
    removers.push(onStopSignal((received) => void stops.push(received)));
    deliver(signal);
    expect(stops).toEqual([signal]);
  });

  it('exits at once on a second stop signal while stopping', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation(() => undefined as never);
    removers.push(onStopSignal(() => {}));
    deliver('SIGHUP');
    expect(exit).not.toHaveBeenCalled();
    deliver('SIGTERM');
    expect(exit).toHaveBeenCalledWith(130);
  });

  it('reloads on SIGHUP when given reload, as often as asked, and no longer once stopping', () => {
    const events: string[] = [];
    removers.push(onStopSignal((signal) => void events.push(`stop ${signal}`), { reload: () => events.push('reload') }));
    deliver('SIGHUP');
    deliver('SIGHUP');
    deliver('SIGTERM');
    deliver('SIGHUP');
    expect(events).toEqual(['reload', 'reload', 'stop SIGTERM']);
  });

  it('leaves the signals alone once removed', () => {
    const stops: string[] = [];
    onStopSignal((signal) => void stops.push(signal))();
    expect(process.listenerCount('SIGHUP')).toBe(0);
    expect(stops).toEqual([]);
  });
});
