import { describe, expect, it } from 'vitest';
import { addressForms, findLeaks } from './leak-scan.js';

const ADDRESS = 'a4:5e:60:c1:02:3f';
const OTHER = '3c:22:fb:01:02:03';

/** `inner` between bytes that hold no address form. */
const amid = (inner: Buffer | string) => Buffer.concat([Buffer.from('x\u00e9\n\x00', 'latin1'), Buffer.from(inner), Buffer.from(' \xff', 'latin1')]);

describe('findLeaks', () => {
  it('finds each text form, in both cases, and the raw bytes in both orders', () => {
    const { text, bytes, reversedBytes } = addressForms(ADDRESS);
    expect(text).toEqual([
      'a4:5e:60:c1:02:3f', 'a4-5e-60-c1-02-3f', 'a4.5e.60.c1.02.3f', 'a45e60c1023f', 'a45e.60c1.023f',
      'A4:5E:60:C1:02:3F', 'A4-5E-60-C1-02-3F', 'A4.5E.60.C1.02.3F', 'A45E60C1023F', 'A45E.60C1.023F',
    ]);
    const outputs = [
      ...text.map((form, i) => ({ name: `text ${i}`, data: amid(form) })),
      { name: 'bytes', data: amid(bytes) },
      { name: 'reversed', data: amid(reversedBytes) },
    ];
    expect(findLeaks([OTHER, ADDRESS], outputs)).toEqual([
      ...text.map((form, i) => ({ address: ADDRESS, where: `text ${i}`, form })),
      { address: ADDRESS, where: 'bytes', form: 'raw bytes' },
      { address: ADDRESS, where: 'reversed', form: 'raw bytes, least significant first' },
    ]);
  });

  it('finds a form at either end of an output, in a string with characters outside ASCII, once per output and form', () => {
    const outputs = [
      { name: 'log', data: `${ADDRESS} heard at −70 dBm; heard again: ${ADDRESS}` },
      { name: 'file', data: Buffer.concat([Buffer.from('ü'), addressForms(ADDRESS).bytes]) },
    ];
    expect(findLeaks([ADDRESS], outputs)).toEqual([
      { address: ADDRESS, where: 'log', form: ADDRESS },
      { address: ADDRESS, where: 'file', form: 'raw bytes' },
    ]);
  });

  it('names every address that leaked, and none that did not or only in part', () => {
    const outputs = [{ name: 'stdout', data: `${ADDRESS} ${OTHER.toUpperCase()} a4:5e:60:c1:02 5e60c1023f` }];
    expect(findLeaks([ADDRESS, OTHER, '00:11:22:33:44:55'], outputs)).toEqual([
      { address: ADDRESS, where: 'stdout', form: ADDRESS },
      { address: OTHER, where: 'stdout', form: OTHER.toUpperCase() },
    ]);
    expect(findLeaks(['00:11:22:33:44:55'], outputs)).toEqual([]);
  });
});
