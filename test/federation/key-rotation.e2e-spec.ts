import { uniqueEmail } from '../support/test-app';
import {
  APP_URL,
  exchange,
  type FederationWorld,
  providerAccount,
  signInAtProvider,
  startFederationWorld,
} from './helpers';

/**
 * A provider that rotates its signing key: the service keeps the provider's JWKS, and an ID
 * token with a `kid` it does not know makes it fetch the set again, at most once a minute
 * (openid-client's cooldown, so that tokens with made-up kids cannot make it hammer the
 * provider). The minute is passed by moving this process's clock (service and provider share
 * it); the database's clock is not involved in either check.
 */
describe('the provider rotates its signing key', () => {
  let world: FederationWorld;
  beforeAll(async () => {
    world = await startFederationWorld();
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await world.close();
  });

  it('is followed once the cached key set is a minute old', async () => {
    const sub = providerAccount(world, { email: uniqueEmail('rotation'), email_verified: true });
    const jwksFetches = () => world.op.requests.filter((url) => url.pathname === '/jwks').length;
    const first = await signInAtProvider(world, { login: sub });
    expect((await exchange(world, first.fragment.get('code'))).status).toBe(200);
    expect(jwksFetches()).toBe(1);

    // Kept: a second sign-in with the same key fetches nothing.
    const second = await signInAtProvider(world, { login: sub });
    expect((await exchange(world, second.fragment.get('code'))).status).toBe(200);
    expect(jwksFetches()).toBe(1);

    world.op.rotate();
    // Within the minute the unknown kid is refused without a fetch.
    expect((await signInAtProvider(world, { login: sub })).location).toBe(
      `${APP_URL}/#error=provider_error`,
    );
    expect(jwksFetches()).toBe(1);

    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 61_000);
    const rotated = await signInAtProvider(world, { login: sub });
    expect(rotated.fragment.get('code')).toBeTruthy();
    expect(jwksFetches()).toBe(2);
    expect((await exchange(world, rotated.fragment.get('code'))).status).toBe(200);
  });
});
