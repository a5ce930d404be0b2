import {
  Inject,
  Injectable,
  OnApplicationBootstrap,
  RequestMethod,
  type CanActivate,
  type Type,
} from '@nestjs/common';
import { GUARDS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { LATCH_ROUTES_KEY } from '../common/latch-routes.decorator';
import { LATCH_SETTINGS, type LatchSettings } from '../latch.settings';
import { authorizationOf } from './decorators/authorization';
import { PUBLIC_KEY } from './decorators/public.decorator';
import { RefreshTokenGuard } from './refresh/refresh-token.guard';
import { LogoutGuard } from './sessions/logout.guard';
import { AccessTokenGuard } from './tokens/access-token.guard';
import { FeedTokenGuard } from './revocation/feed/feed-token.guard';

/** Guards that authenticate the caller: @UseGuards() of one of these (or @Authorized()). */
export const ACCESS_GUARDS: readonly Type<CanActivate>[] = [
  AccessTokenGuard,
  RefreshTokenGuard,
  LogoutGuard,
  FeedTokenGuard, // the revocation feed: the operator's AUTH_FEED_TOKEN
];

type Guard = Type<CanActivate> | CanActivate;

const isGuard = (guard: Guard, access: Type<CanActivate>) =>
  typeof guard === 'function'
    ? guard === access || guard.prototype instanceof access
    : guard instanceof access;

const isAccessGuard = (guard: Guard) => ACCESS_GUARDS.some((access) => isGuard(guard, access));

type Paths = string | string[] | undefined;

const asList = (path: Paths) => (Array.isArray(path) ? path : [path ?? '']);

const join = (...parts: string[]) =>
  `/${parts
    .map((part) => part.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/')}`;

/** One route of a Nest controller, and how it is protected. */
export interface RouteAccess {
  /** `"GET /auth/me"` */
  route: string;
  /** `"AuthController.me"` */
  handler: string;
  /** An access guard (AccessTokenGuard, RefreshTokenGuard, LogoutGuard) on the handler or class. */
  guarded: boolean;
  /** `@Public()` on the handler or class. */
  public: boolean;
  /**
   * A role or a second factor asked by `@Authorized()` or `@Roles()` that no AccessTokenGuard
   * (the one guard that enforces them) is there to check.
   */
  unenforced: boolean;
}

/**
 * Every route of these controllers, with its guards read from the handler and the class as
 * Nest applies them. Routes outside Nest controllers (the OpenAPI UI) are not seen.
 */
export function routeAccess(
  controllers: Iterable<Type>,
  reflector = new Reflector(),
  scanner = new MetadataScanner(),
): RouteAccess[] {
  const routes: RouteAccess[] = [];
  for (const controller of controllers) {
    const prefixes = asList(reflector.get<Paths>(PATH_METADATA, controller));
    const classGuards = reflector.get<Guard[] | undefined>(GUARDS_METADATA, controller) ?? [];
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name] as (...args: unknown[]) => unknown;
      const method = reflector.get<RequestMethod | undefined>(METHOD_METADATA, handler);
      if (method === undefined) continue; // not a route
      const guards: Guard[] = [
        ...classGuards,
        ...(reflector.get<Guard[] | undefined>(GUARDS_METADATA, handler) ?? []),
      ];
      const guarded = guards.some(isAccessGuard);
      const asked = authorizationOf(reflector, handler, controller);
      const unenforced =
        (asked?.roles.length ?? 0) + (asked?.mfa ? 1 : 0) > 0 &&
        !guards.some((guard) => isGuard(guard, AccessTokenGuard));
      const open = reflector.getAllAndOverride<boolean>(PUBLIC_KEY, [handler, controller]) === true;
      for (const prefix of prefixes) {
        for (const path of asList(reflector.get<Paths>(PATH_METADATA, handler))) {
          routes.push({
            route: `${RequestMethod[method]} ${join(prefix, path)}`,
            handler: `${controller.name}.${name}`,
            guarded,
            public: open,
            unenforced,
          });
        }
      }
    }
  }
  return routes;
}

/**
 * Every route of these controllers that has neither an access guard nor `@Public()`, or
 * both, or a role or second-factor requirement without AccessTokenGuard, as
 * `"GET /path (Controller.method): why"`.
 */
export function unguardedRoutes(
  controllers: Iterable<Type>,
  reflector = new Reflector(),
  scanner = new MetadataScanner(),
): string[] {
  return routeAccess(controllers, reflector, scanner)
    .filter((route) => route.guarded === route.public || route.unenforced)
    .map(
      (route) =>
        `${route.route} (${route.handler}): ${
          route.guarded !== route.public
            ? 'a role or second factor asked, but no AccessTokenGuard checks it'
            : route.public
              ? 'both @Public() and an access guard'
              : 'neither an access guard nor @Public()'
        }`,
    );
}

/** The controller classes registered in a Nest application or module. */
export function controllersOf(discovery: DiscoveryService): Type[] {
  const classes = discovery
    .getControllers()
    .map((wrapper) => wrapper.metatype)
    .filter((metatype): metatype is Type => typeof metatype === 'function');
  return [...new Set(classes)];
}

/**
 * Fails closed: the application refuses to start while any route of Latch's controllers (with
 * `requireGuards: 'all'`, of every controller) is neither guarded nor marked `@Public()`, so a
 * forgotten decorator cannot ship a public route.
 */
@Injectable()
export class GuardedRoutesCheck implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    private readonly scanner: MetadataScanner,
    @Inject(LATCH_SETTINGS) private readonly settings: LatchSettings,
  ) {}

  onApplicationBootstrap(): void {
    const everyRoute = this.settings.requireGuards === 'all';
    const controllers = controllersOf(this.discovery).filter(
      (controller) => everyRoute || this.reflector.get(LATCH_ROUTES_KEY, controller) === true,
    );
    const findings = unguardedRoutes(controllers, this.reflector, this.scanner);
    if (findings.length > 0) {
      throw new Error(`every route needs an access guard or @Public(): ${findings.join('; ')}`);
    }
  }
}
