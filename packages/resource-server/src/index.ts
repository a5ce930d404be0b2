/**
 * @latch/resource-server: `import { LatchResourceModule, AccessTokenGuard, Authorized } from
 * '@latch/resource-server'`. The guard, decorators and Principal have the names and shapes
 * of Latch's own, so a feature module moves between the two by changing its imports.
 */
export { LatchResourceModule, LATCH_RESOURCE_OPTIONS } from './latch-resource.module';
export {
  type LatchAlgorithm,
  type LatchResourceOptions,
  ResourceOptionsError,
  resolveResourceOptions,
} from './options';
export { AccessTokenGuard } from './access-token.guard';
export { Authorized, type AuthorizedOptions, CurrentUser, Roles } from './decorators';
export type { Principal } from './principal';
export { ResourceProblem, type ResourceProblemCode } from './problem';
export { Revocations } from './revocations';
export { TokenVerifier, type Verification } from './token-verifier';
