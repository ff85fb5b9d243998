/** Broker URLs: what mqtt.js will connect to, checked before it tries, and shown without secrets. */

const PROTOCOLS = ['mqtt:', 'mqtts:', 'ws:', 'wss:'];
/** The port as written, which the URL parser refuses (out of range) or drops (empty) without saying which. */
const WRITTEN_PORT = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(?:\[[^\]/?#]*\]|[^:/?#[\]]*)(?::([^/?#]*))?/i;
const FORM = 'a URL mqtt://HOST[:PORT] (or mqtts://, ws://, wss://) whose host is a name, an IPv4 address or an IPv6 address in brackets';

/**
 * What a broker URL must be instead, when mqtt.js could not connect to it as written (no host, a
 * port outside 1..65535, an unclosed IPv6 bracket); undefined when it can. mqtt.js reads the
 * protocol, host and port from the URL, so those are what is checked.
 */
export function brokerUrlProblem(url: string): string | undefined {
  const port = WRITTEN_PORT.exec(url)?.[1];
  if (port !== undefined && port !== '' && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    return 'a URL whose port is a number from 1 to 65535, e.g. mqtt://broker.example.net:1883';
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return FORM;
  }
  if (!PROTOCOLS.includes(parsed.protocol)) return 'a URL starting with mqtt://, mqtts://, ws:// or wss://';
  if (parsed.hostname === '' || /\s/.test(url)) return FORM;
  return undefined;
}

/** The broker URL without user name and password, for logs and status. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}
