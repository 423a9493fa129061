/** The token request's parameters after TokenRequestGuard: each a string, `resource` maybe many. */
export type TokenParams = Record<string, string | string[] | undefined>;

export function param(params: TokenParams, name: string): string | undefined {
  const value = params[name];
  return typeof value === 'string' ? value : undefined;
}

export function params(params: TokenParams, name: string): string[] {
  const value = params[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
