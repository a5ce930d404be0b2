import { Strategy as PassportBaseStrategy } from 'passport-strategy';

type Verify = (
  request: never,
  done: (error: unknown, user?: unknown, info?: unknown) => void,
) => void;

/**
 * The smallest Passport strategy: hand the request to `validate` (through @nestjs/passport's
 * PassportStrategy mixin) and report what it returns or throws.
 */
export class RequestStrategy extends PassportBaseStrategy {
  constructor(private readonly verify: Verify) {
    super();
  }

  // Passport's types name Express's request; under Fastify it is a FastifyRequest.
  override authenticate(request: never): void {
    this.verify(request, (error, user, info) => {
      if (error) return this.error(error as Error);
      if (!user) return this.fail(info as object, 401);
      this.success(user);
    });
  }
}
