/**
 * Signals a command stops or reloads on. SIGINT, SIGTERM and SIGHUP stop a command cleanly: the
 * handler saves and closes what it must, so that a closed terminal (SIGHUP) leaves no key or
 * temporary directory behind either. A second stop signal while it does exits at once. The
 * daemon passes `reload`: SIGHUP then reloads its configuration instead (systemctl reload).
 */
export interface SignalHandlers {
  /** SIGHUP's meaning for a daemon; not called once stopping has begun. */
  reload?: () => void;
}

export function onStopSignal(handler: (signal: NodeJS.Signals) => Promise<void> | void, { reload }: SignalHandlers = {}): () => void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    void handler(signal);
  };
  const hangUp = (signal: NodeJS.Signals) => {
    if (reload === undefined) stop(signal);
    else if (!stopping) reload();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', hangUp);
  return () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    process.off('SIGHUP', hangUp);
  };
}
