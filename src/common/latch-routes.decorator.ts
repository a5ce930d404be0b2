import { applyDecorators, SetMetadata, UseFilters, UsePipes } from '@nestjs/common';
import { ProblemFilter } from './problem.filter';
import { createValidationPipe } from './validation';

/** Marks a controller as Latch's own (the start-up guard check covers these by default). */
export const LATCH_ROUTES_KEY = 'latch:routes';

/**
 * On each of Latch's controllers: problem+json answers and the validation pipe for its own
 * routes only, so a host application keeps its own error format and pipes on its routes.
 */
export const LatchRoutes = () =>
  applyDecorators(
    SetMetadata(LATCH_ROUTES_KEY, true),
    UseFilters(ProblemFilter),
    UsePipes(createValidationPipe()),
  );
