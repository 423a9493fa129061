import { PathProblem } from '../../src/access/rules/request-path';

/**
 * Original URIs whose meaning depends on how the upstream decodes them, each with the problem
 * it is refused for (src/access/rules/request-path.spec.ts). The adversarial e2e suite sends
 * each through every gateway form.
 */
export const REFUSED: [string, PathProblem][] = [
  // Encoded separators: nginx and most frameworks decode %2F to /, others keep it.
  ['/public/..%2finvoices/1', 'encoded_slash'],
  ['/public/..%2Finvoices/1', 'encoded_slash'],
  ['/public/a%2fb', 'encoded_slash'],
  // `;` parameters: Tomcat, Jetty and Spring read `..;` as `..`.
  ['/public/..;/admin/x', 'path_parameter'],
  ['/public/..%3b/admin/x', 'path_parameter'],
  ['/public/..%3B/admin/x', 'path_parameter'],
  ['/public/x;jsessionid=1', 'path_parameter'],
  // Backslashes: IIS and WHATWG URL parsers read `\` as `/`.
  ['/public/..\\admin/x', 'backslash'],
  ['/public/..%5cadmin/x', 'backslash'],
  ['/public/..%5Cadmin/x', 'backslash'],
  // Double encoding: an upstream that decodes twice reads %252e as `.`.
  ['/public/%252e%252e/admin/x', 'double_encoding'],
  ['/public/%25', 'double_encoding'],
  // Overlong UTF-8 and other octets that are not UTF-8 (RFC 3629 §3).
  ['/public/%c0%ae%c0%ae/admin/x', 'invalid_utf8'],
  ['/public/%C0%AE/admin/x', 'invalid_utf8'],
  ['/public/%e0%80%ae%e0%80%ae/admin/x', 'invalid_utf8'],
  ['/public/%ed%a0%80', 'invalid_utf8'],
  ['/public/%ff', 'invalid_utf8'],
  ['/public/%c3', 'invalid_utf8'],
  // Full-width and compatibility dots and slashes (NFKC folds them into ASCII).
  ['/public/%ef%bc%8e%ef%bc%8e/admin/x', 'lookalike'],
  ['/public/%EF%BC%8E%EF%BC%8E/admin/x', 'lookalike'],
  ['/public/\uff0e\uff0e/admin/x', 'raw_character'],
  ['/public/%e2%80%a5/admin/x', 'lookalike'],
  ['/public/%ef%bc%8f..', 'lookalike'],
  ['/public/..%ef%bc%bcadmin', 'lookalike'],
  ['/public/..%e2%88%95admin', 'lookalike'],
  ['/public/%ef%bc%9b', 'lookalike'],
  // Dot segments, raw or encoded, and names Windows would shorten to them.
  ['/public/../admin/x', 'dot_segment'],
  ['/public/./x', 'dot_segment'],
  ['/public/%2e%2e/admin/x', 'dot_segment'],
  ['/public/%2E%2E/admin/x', 'dot_segment'],
  ['/public/.%2e/admin/x', 'dot_segment'],
  ['/public/%2e/x', 'dot_segment'],
  ['/public/...', 'dot_segment'],
  ['/public/..%20/admin/x', 'dot_segment'],
  ['/admin./x', 'dot_segment'],
  ['/admin%20/x', 'dot_segment'],
  ['/public/..', 'dot_segment'],
  ['/..', 'dot_segment'],
  ['/public/..?x=1', 'dot_segment'],
  // Control characters, raw or encoded, and raw bytes that are not ASCII.
  ['/public/%00/x', 'control_character'],
  ['/public/a%0a', 'control_character'],
  ['/public/a%0D%0Aset-cookie:x', 'control_character'],
  ['/public/a%7f', 'control_character'],
  ['/public/a%c2%85', 'control_character'],
  ['/public/a\u0000', 'raw_character'],
  ['/public/a\tb', 'raw_character'],
  ['/public/a b', 'raw_character'],
  ['/public/caf\u00c3\u00a9', 'raw_character'],
  // Encoded delimiters: an upstream that decodes before it splits ends the path there.
  ['/admin%3f/x', 'encoded_delimiter'],
  ['/admin%23/x', 'encoded_delimiter'],
  ['/public/x#/../admin', 'fragment'],
  // Malformed escapes (RFC 3986 §2.1), IIS's %u form among them.
  ['/public/%zz', 'bad_percent_encoding'],
  ['/public/%2', 'bad_percent_encoding'],
  ['/public/%u002e%u002e/admin', 'bad_percent_encoding'],
  // Not origin-form (RFC 9112 §3.2.1).
  ['public/x', 'not_absolute'],
  ['', 'not_absolute'],
  ['*', 'not_absolute'],
  ['http://gatehouse.example/admin/x', 'not_absolute'],
  ['?x=1', 'not_absolute'],
  ['//public/admin/x', 'authority'],
  ['//evil.example/admin', 'authority'],
];

/** URIs that mean one thing everywhere, and the segments rules are matched against. */
export const ACCEPTED: [string, string[]][] = [
  ['/public/a%20b', ['public', 'a b']],
  ['/public/caf%C3%A9', ['public', 'café']],
  ['/public/caf%c3%a9', ['public', 'café']],
  ['/public/a.b', ['public', 'a.b']],
  ['/public/..foo', ['public', '..foo']],
  ['/public/.well-known', ['public', '.well-known']],
  ['/public/a%2eb', ['public', 'a.b']],
  ['/%61dmin/users', ['admin', 'users']],
  ['/public//x/', ['public', 'x']],
  ['/public/x?next=/../admin;x=%2f', ['public', 'x']],
  ['/public/x?', ['public', 'x']],
  ['/', []],
  ['/?a=b', []],
  ['/public/%e2%82%ac', ['public', '€']],
  ['/public/%F0%9F%98%80', ['public', '😀']],
  ["/public/a+b~c!$&'()*,=:@", ['public', "a+b~c!$&'()*,=:@"]],
];
