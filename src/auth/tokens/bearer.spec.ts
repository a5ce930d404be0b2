import { bearerToken, decodeJoseHeader } from './bearer';

const b64 = (value: string) => Buffer.from(value).toString('base64url');

describe('bearerToken', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER abc', 'abc'],
    ['bEaReR abc', 'abc'],
    ['Bearer   abc', 'abc'],
    ['Bearer abc  ', 'abc'],
    ['Bearer aGVsbG8=', 'aGVsbG8='],
    ['Bearer a-b_c.d~e+f/g==', 'a-b_c.d~e+f/g=='],
    [
      'Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln',
      'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln',
    ],
  ])('reads %p as %p', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it.each([
    undefined,
    '',
    'Bearer',
    'Bearer ',
    'Bearerabc',
    'Basic dXNlcjpwYXNz',
    'Token abc',
    'abc',
    ' Bearer abc',
    'Bearer abc def',
    'Bearer a,b',
    'Bearer a"b',
    'Bearer =abc',
    'Bearer ab=c',
    'Bearer abc\nX-Injected: 1',
    'Bearer\tabc',
  ])('finds no token in %p', (header) => {
    expect(bearerToken(header)).toBeUndefined();
  });
});

describe('decodeJoseHeader', () => {
  it('decodes the JSON object before the first dot', () => {
    const header = { alg: 'ES256', typ: 'at+jwt', kid: 'k1' };
    expect(decodeJoseHeader(`${b64(JSON.stringify(header))}.payload.sig`)).toEqual(header);
  });

  it.each([
    ['no dot at all', 'abcdef'],
    ['an empty header', '.payload.sig'],
    ['a header that is not base64 JSON', 'abc.def.ghi'],
    ['a JSON array', `${b64('[1,2]')}.p.s`],
    ['JSON null', `${b64('null')}.p.s`],
    ['a JSON string', `${b64('"ES256"')}.p.s`],
    ['a JSON number', `${b64('42')}.p.s`],
    ['a truncated object', `${b64('{"alg":"ES256"')}.p.s`],
    ['an over-long header', `${b64(JSON.stringify({ alg: 'ES256', pad: 'x'.repeat(3000) }))}.p.s`],
  ])('returns undefined for %s', (_what, token) => {
    expect(decodeJoseHeader(token)).toBeUndefined();
  });
});
