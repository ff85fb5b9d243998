/**
 * SIGINT and SIGTERM stop a command cleanly: the handler saves and closes what it must. A
 * second signal while it does exits at once.
 */
export function onStopSignal(handler: (signal: NodeJS.Signals) => Promise<void> | void): () => void {
  let stopping = false;
  const listener = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    void handler(signal);
  };
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return () => {
    process.off('SIGINT', listener);
    process.off('SIGTERM', listener);
  };
}
