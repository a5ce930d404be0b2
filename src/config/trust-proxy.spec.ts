import Fastify from 'fastify';
import { fastifyTrustProxy, isTrustProxy, parseTrustProxy } from './trust-proxy';

describe('TRUST_PROXY', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['false', false],
    ['0', false],
    ['true', true],
    ['1', 1],
    ['2', 2],
    ['127.0.0.1', ['127.0.0.1']],
    ['10.0.0.0/8,127.0.0.1', ['10.0.0.0/8', '127.0.0.1']],
    [' 10.0.0.0/8 , 192.168.1.10 ,', ['10.0.0.0/8', '192.168.1.10']],
    ['::1,fd00::/8,2001:db8::/32', ['::1', 'fd00::/8', '2001:db8::/32']],
    ['0.0.0.0/0', ['0.0.0.0/0']],
  ])('reads %p as %p', (value, expected) => {
    expect(parseTrustProxy(value)).toEqual(expected);
  });

  it.each([
    'maybe',
    'yes',
    '-1',
    '1.5',
    '10.0.0.0/33',
    '10.0.0.0/',
    '::1/129',
    '256.0.0.1',
    '10.0.0.0/8,nginx',
    'loopback',
    ',',
    '10.0.0.0/8;127.0.0.1',
  ])('refuses %p', (value) => {
    expect(isTrustProxy(value)).toBe(false);
    expect(() => parseTrustProxy(value)).toThrow('TRUST_PROXY');
  });

  describe('as Fastify reads the client address', () => {
    /** request.ip of one request from `remoteAddress` carrying `forwardedFor`. */
    async function clientIp(
      setting: string,
      remoteAddress: string,
      forwardedFor?: string,
    ): Promise<string> {
      const app = Fastify({ trustProxy: fastifyTrustProxy(parseTrustProxy(setting)) });
      app.get('/', (request) => ({ ip: request.ip }));
      try {
        const response = await app.inject({
          method: 'GET',
          url: '/',
          remoteAddress,
          headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
        });
        return response.json<{ ip: string }>().ip;
      } finally {
        await app.close();
      }
    }

    it('false: the socket address, whatever X-Forwarded-For says', async () => {
      expect(await clientIp('false', '127.0.0.1', '6.6.6.6')).toBe('127.0.0.1');
    });

    it('a list: X-Forwarded-For read from the right, skipping trusted addresses', async () => {
      const setting = '10.0.0.0/8,127.0.0.1';
      expect(await clientIp(setting, '127.0.0.1', '6.6.6.6, 198.51.100.7')).toBe('198.51.100.7');
      expect(await clientIp(setting, '127.0.0.1', '6.6.6.6, 198.51.100.7, 10.1.2.3')).toBe(
        '198.51.100.7',
      );
      // A peer that is not a trusted proxy names nobody.
      expect(await clientIp(setting, '192.0.2.1', '6.6.6.6')).toBe('192.0.2.1');
      expect(await clientIp('2001:db8::/32', '2001:db8::1', '6.6.6.6, 2001:db9::9')).toBe(
        '2001:db9::9',
      );
    });

    it('a hop count: that many hops from the right (Fastify alone would trust none)', async () => {
      expect(await clientIp('1', '127.0.0.1', '6.6.6.6, 198.51.100.7')).toBe('198.51.100.7');
      expect(await clientIp('2', '127.0.0.1', '6.6.6.6, 198.51.100.7, 10.0.0.2')).toBe(
        '198.51.100.7',
      );
    });

    it('true (development only): the leftmost entry, chosen by the client', async () => {
      expect(await clientIp('true', '127.0.0.1', '6.6.6.6, 198.51.100.7')).toBe('6.6.6.6');
    });
  });
});
