import { FieldProblem, ValidationFailedError } from '../api-error';
import { decodeComponent, decodeUtf8, textProblem } from './hostile-text';

/** Form and query fields: a repeated name gives an array, in the order sent. */
export type FormFields = Record<string, string | string[]>;

/** RFC 8707 §2: `resource` may be given more than once. */
const REPEATABLE = new Set(['resource']);

function fieldName(name: string): string {
  return name.length <= 64 ? name : `${name.slice(0, 64)}…`;
}

/**
 * The first problem in an application/x-www-form-urlencoded string (a form body, or a URL's
 * query), or its fields. Names and values are percent-decoded strictly (`+` is a space) and must
 * pass the text rules; `__proto__` is no name (it would replace the prototype of an object the
 * fields are copied onto); a name appears once (RFC 6749 §3.1), `resource` aside, unless
 * `repeats` leaves repetition to the route.
 */
export function readForm(
  encoded: string,
  where: 'body' | 'query',
  repeats: 'refused' | 'allowed' = 'refused',
): { fields: FormFields } | { problem: FieldProblem } {
  const fields: FormFields = Object.create(null) as FormFields;
  let start = 0;
  while (start <= encoded.length) {
    let end = encoded.indexOf('&', start);
    if (end === -1) end = encoded.length;
    if (end > start) {
      const pair = encoded.slice(start, end);
      const equals = pair.indexOf('=');
      const rawName = equals === -1 ? pair : pair.slice(0, equals);
      const rawValue = equals === -1 ? '' : pair.slice(equals + 1);
      const name = decodeComponent(rawName, true);
      if (name === undefined)
        return {
          problem: { field: where, problem: 'has a name that is not valid percent-encoded UTF-8' },
        };
      const nameProblem = textProblem(name, 'name');
      if (nameProblem)
        return { problem: { field: where, problem: `has a name that ${nameProblem}` } };
      if (name === '__proto__')
        return { problem: { field: where, problem: 'has a forbidden name' } };
      const field = fieldName(name);
      const value = decodeComponent(rawValue, true);
      if (value === undefined)
        return { problem: { field, problem: 'is not valid percent-encoded UTF-8' } };
      const valueProblem = textProblem(value);
      if (valueProblem) return { problem: { field, problem: valueProblem } };
      const existing = fields[name];
      if (existing !== undefined && repeats === 'refused' && !REPEATABLE.has(name))
        return { problem: { field, problem: 'is repeated' } };
      if (existing === undefined) fields[name] = value;
      else if (typeof existing === 'string') fields[name] = [existing, value];
      else existing.push(value);
    }
    start = end + 1;
  }
  return { fields };
}

/** A form body (application/x-www-form-urlencoded, WHATWG URL §5): UTF-8, read strictly, or a 400. */
export function parseForm(body: Buffer, repeats: 'refused' | 'allowed' = 'refused'): FormFields {
  const text = decodeUtf8(body);
  if (text === undefined) {
    throw new ValidationFailedError([{ field: 'body', problem: 'is not valid UTF-8' }]);
  }
  const read = readForm(text, 'body', repeats);
  if ('problem' in read) throw new ValidationFailedError([read.problem]);
  return read.fields;
}
