import { describe, expect, it } from 'vitest';
import { mosquittoPasswordLine, newSensorPassword, renderAcl } from './mosquitto-files.js';

describe('mosquittoPasswordLine', () => {
  it('writes what mosquitto_passwd 2.0 writes for the same salt', () => {
    // mosquitto_passwd -b -c FILE alice secret, with the salt it chose.
    const written = 'alice:$7$101$HdKoDfNg9+WGgMTd$MqZmm80DMNaMXfVyPYsm+R5dEF4OwLE30NePhdw6A3z2rEX7beyaCUG7qeIkSbvVQSpYM9RJ+/s+WGDDekyi2Q==';
    expect(mosquittoPasswordLine('alice', 'secret', Buffer.from('HdKoDfNg9+WGgMTd', 'base64'))).toBe(written);
  });

  it('salts every line anew', () => {
    expect(mosquittoPasswordLine('a', 'p')).not.toBe(mosquittoPasswordLine('a', 'p'));
  });
});

describe('newSensorPassword', () => {
  it('is long, random, and needs no quoting', () => {
    const passwords = new Set(Array.from({ length: 50 }, newSensorPassword));
    expect(passwords.size).toBe(50);
    for (const password of passwords) expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
});

describe('renderAcl', () => {
  it("gives each sensor's user write access to its own topics and nothing else", () => {
    const acl = renderAcl([{ sensorId: 'store-1', site: 'Store 1, Leeds' }, { sensorId: 'store-2', site: 'Store 2' }], 'acme/footfall');
    const rules = acl.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(rules).toEqual([
      'user store-1',
      'topic write acme/footfall/store-1/#',
      'topic readwrite homeassistant/+/footfall_store-1/+/config',
      'topic read homeassistant/status',
      'user store-2',
      'topic write acme/footfall/store-2/#',
      'topic readwrite homeassistant/+/footfall_store-2/+/config',
      'topic read homeassistant/status',
    ]);
    expect(acl).toContain('# Store 1, Leeds\nuser store-1\n');
  });
});
