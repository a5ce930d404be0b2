import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, ProblemException } from './problem';

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** 400 validation_failed with its `errors` list: the one shape every input error takes. */
export const validationFailed = (errors: FieldError[]) =>
  new ProblemException(400, 'validation_failed', 'the request is invalid', {}, errors);

/** Keys that Nest's pipe deletes, unreported, before it validates (prototype pollution). */
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];

/** Where those keys occur as own properties of a parsed body, at any depth. */
function prototypeKeyFields(body: unknown): FieldError[] {
  const found: FieldError[] = [];
  const stack: { value: unknown; path: string }[] = [{ value: body, path: '' }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    for (const [key, child] of Object.entries(value)) {
      const field = path ? `${path}.${key}` : key;
      if (PROTOTYPE_KEYS.includes(key)) {
        found.push({ field, message: `property ${key} should not exist` });
      } else {
        stack.push({ value: child, path: field });
      }
    }
  }
  return found;
}

/**
 * Refuses `__proto__` / `constructor` / `prototype` keys like any other unknown field. Nest's
 * pipe would strip them silently, so such a body would be accepted as if they were not there.
 */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body') {
      const fields = prototypeKeyFields(value);
      if (fields.length > 0) throw validationFailed(fields);
    }
    return super.transform(value, metadata);
  }
}

/** The one global pipe: unknown fields are refused, known ones are typed. */
export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => validationFailed(flatten(errors)),
  });
}
