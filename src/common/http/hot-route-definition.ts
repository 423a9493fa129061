import {
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  PathItemObject,
  SchemaObject,
} from '@nestjs/swagger';
import { FieldProblem, ValidationFailedError } from '../api-error';
import { HotRoute } from './hot-routes';

/**
 * A hot route declared once: where it is served (HotRoutes.add takes it as it is) and its
 * OpenAPI operation, since the Nest Swagger scanner never sees a route served ahead of Fastify.
 * A route with a JSON body derives its request body from its `body` (JsonObjectBody), which
 * also validates what arrives.
 */
export interface HotRouteDefinition extends HotRoute {
  /** The operation for each of `methods`; a `prefix` route's `{path}` parameter is added here. */
  operation: OperationObject;
  body?: JsonObjectBody;
}

/** A member that must be a string matching `pattern`; `problem` says so when it does not. */
interface StringMember {
  type: 'string';
  pattern: RegExp;
  problem: string;
  example?: string;
}

/**
 * A member that may be absent, else must be a JSON object: of anything, or as `problems` says
 * (each problem naming its field in full, `member.field`), described by `schema`.
 */
interface ObjectMember {
  type: 'object';
  problems?: (value: Record<string, unknown>) => FieldProblem[];
  schema?: SchemaObject;
}

export type BodyMember = StringMember | ObjectMember;

/**
 * A JSON object body with these members and no others: every string member is required, every
 * object member optional. One description gives both the validation and the OpenAPI schema.
 */
export class JsonObjectBody<M extends Record<string, BodyMember> = Record<string, BodyMember>> {
  private readonly names: ReadonlySet<string>;

  constructor(readonly members: M) {
    this.names = new Set(Object.keys(members));
  }

  /**
   * The body's members, or ValidationFailedError (400) naming every one that is wrong, then
   * every member the body should not have; anything but an object has all its members missing.
   */
  parse(body: unknown): { [K in keyof M]: M[K] extends StringMember ? string : unknown } {
    const problems: FieldProblem[] = [];
    const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<
      string,
      unknown
    >;
    for (const [field, member] of Object.entries(this.members)) {
      const value = fields[field];
      if (member.type === 'string') {
        if (typeof value !== 'string' || !member.pattern.test(value))
          problems.push({ field, problem: member.problem });
      } else if (value === undefined) {
        continue;
      } else if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        problems.push({ field, problem: 'must be an object' });
      } else if (member.problems) {
        problems.push(...member.problems(value as Record<string, unknown>));
      }
    }
    for (const field of Object.keys(fields)) {
      if (!this.names.has(field)) problems.push({ field, problem: 'should not exist' });
    }
    if (problems.length > 0) throw new ValidationFailedError(problems);
    return fields as { [K in keyof M]: M[K] extends StringMember ? string : unknown };
  }

  /** The OpenAPI schema of the same rules. */
  schema(): SchemaObject {
    const properties: Record<string, SchemaObject> = {};
    const required: string[] = [];
    for (const [name, member] of Object.entries(this.members)) {
      if (member.type === 'string') {
        required.push(name);
        properties[name] = {
          type: 'string',
          pattern: member.pattern.source,
          ...(member.example !== undefined ? { example: member.example } : {}),
        };
      } else {
        properties[name] = member.schema ?? { type: 'object', additionalProperties: true };
      }
    }
    return { type: 'object', required, additionalProperties: false, properties };
  }
}

/** The `{path}` below a prefix route. */
const SUB_PATH: ParameterObject = {
  name: 'path',
  in: 'path',
  required: true,
  schema: { type: 'string' },
};

/** Adds each route's operations to `document`: a prefix route at its path and at `{path}` below. */
export function describeHotRoutes(
  document: OpenAPIObject,
  routes: readonly HotRouteDefinition[],
): void {
  for (const route of routes) {
    // Key order as an OpenAPI document usually has it: parameters and request body before responses.
    const { responses, ...head } = route.operation;
    const requestBody = route.body && {
      required: true,
      content: { 'application/json': { schema: route.body.schema() } },
    };
    const operation = (parameters?: ParameterObject[]): OperationObject => ({
      ...head,
      ...(parameters ? { parameters } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses,
    });
    const places: Array<[string, OperationObject]> = route.prefix
      ? [
          [route.path, operation([])],
          [`${route.path}/{path}`, operation([SUB_PATH])],
        ]
      : [[route.path, operation()]];
    for (const [path, described] of places) {
      const item: PathItemObject = {};
      for (const method of route.methods) {
        item[method.toLowerCase() as 'get'] = described;
      }
      document.paths[path] = item;
    }
  }
}
