import { isDuration, parseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    ['900', 900],
    ['0', 0],
    ['45s', 45],
    ['15m', 900],
    ['1h', 3600],
    ['14d', 1209600],
    [' 30 ', 30],
  ])('parses %p as %p seconds', (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  it.each(['', 'abc', '-5', '1.5', '10w', '15 m', 'm', '1e3'])('rejects %p', (input) => {
    expect(isDuration(input)).toBe(false);
    expect(() => parseDuration(input)).toThrow('not a duration');
  });
});
