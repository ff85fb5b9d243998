import { describe, expect, it } from 'vitest';
import { parseCsvRecords, parseSites, SitesError } from './sites-csv.js';

const URL = 'mqtts://broker.example.net:8883';

/** The message of the SitesError that parsing `text` throws. */
function mistake(text: string, defaultUrl?: string): string {
  try {
    parseSites(text, defaultUrl);
  } catch (error) {
    expect(error).toBeInstanceOf(SitesError);
    expect((error as SitesError).exitCode).toBe(65);
    return (error as Error).message;
  }
  throw new Error('no mistake found');
}

describe('parseCsvRecords', () => {
  it('reads quoted fields with delimiters, doubled quotes and line breaks, and numbers records by their first line', () => {
    const text = 'a,b\r\n"x, y","say ""hi"""\n\n"two\nlines", plain \n';
    expect(parseCsvRecords(text, ',')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, y', 'say "hi"'] },
      { line: 4, fields: ['two\nlines', 'plain'] },
    ]);
  });

  it('refuses a quote that is never closed, naming the line it opened on', () => {
    expect(() => parseCsvRecords('a\n"open\n', ',')).toThrow('line 2: a quoted field is not closed');
  });
});

describe('parseSites', () => {
  it('reads every column, in any order, with zones as the config reads them', () => {
    const text = `site,sensor,zones_wifi,mqtt_url,zones_ble\n"Store 12, Leeds",store-12-entrance,"inside=-65,nearby=-80",${URL},inside=-75\nStore 14,store-14,,,\n`;
    expect(parseSites(text, 'mqtt://fallback.example.net')).toEqual([
      { line: 2, sensorId: 'store-12-entrance', site: 'Store 12, Leeds', mqttUrl: URL, zones: { wifi: { inside: -65, nearby: -80 }, ble: { inside: -75 } } },
      { line: 3, sensorId: 'store-14', site: 'Store 14', mqttUrl: 'mqtt://fallback.example.net', zones: {} },
    ]);
  });

  it("reads a spreadsheet's export: byte order mark, CRLF, semicolons, upper-case header", () => {
    const text = `\uFEFFSensor;Site;MQTT_URL\r\nstore-1;Filiale 1, Köln;${URL}\r\n`;
    expect(parseSites(text)).toEqual([{ line: 2, sensorId: 'store-1', site: 'Filiale 1, Köln', mqttUrl: URL, zones: {} }]);
  });

  it('names the line and what to write for each mistake', () => {
    const header = 'sensor,site,mqtt_url\n';
    expect(mistake('')).toMatch(/^the file is empty: write a header row/);
    expect(mistake(header)).toBe('the file has a header but no sensors: add one row per sensor');
    expect(mistake('sensor,site,zone_wifi\n')).toBe('line 1: unknown column "zone_wifi": the columns are sensor, site, mqtt_url, zones_wifi, zones_ble');
    expect(mistake('sensor,mqtt_url\n')).toMatch(/^line 1: the header has no site column/);
    expect(mistake(`${header}store 1,A,${URL}\n`)).toMatch(/^line 2: sensor "store 1" is not allowed: must be 1 to 64 letters/);
    expect(mistake(`${header}..,A,${URL}\n`)).toBe('line 2: sensor ".." must not start with "."');
    expect(mistake(`${header}s1,A,${URL}\n\nS1,B,${URL}\n`)).toMatch(/^line 4: the sensor S1 is on line 2 already/);
    expect(mistake(`${header}s1,,${URL}\n`)).toMatch(/^line 2: site must be a name on one line/);
    expect(mistake(`${header}s1,"two\nlines",${URL}\n`)).toMatch(/^line 2: site must be a name on one line/);
    expect(mistake(`${header}s1,A\n`)).toBe('line 2: no mqtt_url: fill the column, or give --mqtt-url for every row without one');
    expect(mistake(`${header}s1,A,http://broker\n`)).toMatch(/^line 2: mqtt_url "http:\/\/broker" is not allowed: must be a URL starting with mqtt:\/\//);
    expect(mistake(`${header}s1,A,${URL},extra\n`)).toBe('line 2: 4 fields for 3 columns: quote a value that holds ","');
    expect(mistake(`sensor,site,zones_wifi\ns1,A,inside=-200\n`, URL)).toMatch(/^line 2: zones_wifi "inside=-200" is not allowed: must be a map of names/);
  });
});
