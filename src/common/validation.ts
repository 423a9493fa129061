import { ArgumentMetadata, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldProblem, ValidationFailedError } from './api-error';

/** Flattens class-validator errors into `{field, problem}` pairs, nested fields dotted. */
export function toFieldProblems(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((problem) => ({
      field,
      problem: problem.replace(/^property \S+ /, '').replace(new RegExp(`^${error.property} `), ''),
    }));
    return [...own, ...toFieldProblems(error.children ?? [], field)];
  });
}

const IGNORES_UNKNOWN_MEMBERS = Symbol('ignoresUnknownMembers');

/**
 * Marks a request body DTO whose protocol says unknown members MUST be ignored (AuthZEN 1.0
 * §10.1.1, for forward compatibility): they are dropped, at every depth, instead of refused.
 * Wrong types and missing required members are still refused. Every other DTO keeps refusing
 * members it does not know.
 */
export function IgnoresUnknownMembers(): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(IGNORES_UNKNOWN_MEMBERS, true, target);
  };
}

function ignoresUnknownMembers(metatype: ArgumentMetadata['metatype']): boolean {
  return metatype !== undefined && Reflect.getMetadata(IGNORES_UNKNOWN_MEMBERS, metatype) === true;
}

function validationPipe(forbidNonWhitelisted: boolean): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => new ValidationFailedError(toFieldProblems(errors)),
  });
}

/**
 * The global pipe: DTOs reject unknown fields and wrong types at the edge; a DTO marked
 * `@IgnoresUnknownMembers()` drops unknown fields instead.
 */
class DtoValidationPipe implements PipeTransform {
  private readonly strict = validationPipe(true);
  private readonly lenient = validationPipe(false);

  transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const pipe = ignoresUnknownMembers(metadata.metatype) ? this.lenient : this.strict;
    return pipe.transform(value, metadata) as Promise<unknown>;
  }
}

export function createValidationPipe(): PipeTransform {
  return new DtoValidationPipe();
}
