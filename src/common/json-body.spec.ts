import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-body';

const array = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const object = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

describe('nestsDeeperThan', () => {
  it('allows MAX_JSON_DEPTH levels and refuses one more, for arrays and objects', () => {
    expect(MAX_JSON_DEPTH).toBe(32);
    for (const build of [array, object]) {
      expect(nestsDeeperThan(build(32), 32)).toBe(false);
      expect(nestsDeeperThan(build(33), 32)).toBe(true);
      expect(nestsDeeperThan(build(100_000), 32)).toBe(true);
    }
    expect(nestsDeeperThan(`{"a":[{"b":${array(30)}}]}`, 32)).toBe(true);
    expect(nestsDeeperThan(`{"a":[{"b":${array(29)}}]}`, 32)).toBe(false);
  });

  it('counts depth, not brackets: siblings do not add up', () => {
    const wide = `[${Array.from({ length: 1000 }, () => array(10)).join(',')}]`;
    expect(nestsDeeperThan(wide, 32)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    const inString = JSON.stringify({ password: '[[[[{{{{'.repeat(100), n: 'a\\"[[[[[[' });
    expect(nestsDeeperThan(inString, 2)).toBe(false);
    expect(nestsDeeperThan(JSON.stringify({ s: '\\', t: [[[]]] }), 3)).toBe(true);
    expect(nestsDeeperThan(JSON.stringify({ s: '\\"', t: [[]] }), 3)).toBe(false);
  });

  it('accepts ordinary bodies', () => {
    expect(nestsDeeperThan('{"email":"a@example.com","password":"correct horse"}', 32)).toBe(false);
    expect(nestsDeeperThan('null', 32)).toBe(false);
    expect(nestsDeeperThan('', 32)).toBe(false);
  });
});
