import { describe, expect, it } from 'vitest';
import { brokerUrlProblem, displayUrl } from './broker-url.js';

describe('brokerUrlProblem', () => {
  it.each(['mqtt://broker', 'mqtt://broker.example.net:1883', 'mqtts://user:secret@broker:8883', 'mqtt://[::1]:1883', 'mqtt://10.0.0.2:65535', 'ws://broker:8080/mqtt', 'wss://broker/mqtt', 'mqtt://broker:'])(
    'takes %s',
    (url) => expect(brokerUrlProblem(url)).toBeUndefined(),
  );

  it.each([
    ['a port above 65535', 'mqtt://127.0.0.1:99999', /port is a number from 1 to 65535/],
    ['port 0', 'mqtt://user:pw@broker:0', /port is a number from 1 to 65535/],
    ['a port that is not a number', 'mqtt://broker:abc', /port is a number from 1 to 65535/],
    ['an unclosed IPv6 bracket', 'mqtt://[::1', /IPv6 address in brackets/],
    ['text after an IPv6 address', 'mqtt://[::1]x', /IPv6 address in brackets/],
    ['no host', 'mqtt://:1883', /whose host is a name/],
    ['a space in the host', 'mqtt://bro ker', /whose host is a name/],
    ['no protocol', 'broker:1883', /starting with mqtt:\/\//],
    ['another protocol', 'http://broker', /starting with mqtt:\/\//],
  ])('refuses %s: %s', (_what, url, instead) => {
    expect(brokerUrlProblem(url)).toMatch(instead);
  });
});

describe('displayUrl', () => {
  it('leaves out the user name and password', () => {
    expect(displayUrl('mqtts://sensor:secret@broker:8883')).toBe('mqtts://broker:8883');
  });
});
