import { ValidationError, ValidationPipe } from '@nestjs/common';
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

/** The global pipe: DTOs reject unknown fields and wrong types at the edge. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => new ValidationFailedError(toFieldProblems(errors)),
  });
}
