import { FieldProblem } from '../../common/api-error';
import { Subject } from '../../common/auth/subject-permissions';
import { BodyMember } from '../../common/http/hot-route-definition';

const SUBJECT_TYPES: ReadonlyArray<Subject['type']> = ['user', 'client'];

/** Longer than any user id, username (64), email (254) or client_id. */
export const MAX_SUBJECT_ID_LENGTH = 256;

/**
 * The `subject` member of a `POST /access/check` body (docs/access.md, "Three surfaces"): the
 * subject a caller with `iam:check` asks about, `{type: "user" | "client", id}`, checked as
 * AuthZEN checks its subject (docs/authzen.md), no other member. The JSON body reader has already
 * refused NUL bytes and other hostile text in every string (common/http/strict-json.ts).
 */
export const CHECK_SUBJECT: BodyMember = {
  type: 'object',
  problems: subjectProblems,
  schema: {
    type: 'object',
    description:
      'Decide about this subject instead of the caller; the caller’s token needs iam:check',
    required: ['type', 'id'],
    additionalProperties: false,
    properties: {
      type: { type: 'string', enum: [...SUBJECT_TYPES] },
      id: {
        type: 'string',
        minLength: 1,
        maxLength: MAX_SUBJECT_ID_LENGTH,
        description: 'A user’s id, username or email; a client’s client_id',
      },
    },
  },
};

function subjectProblems(subject: Record<string, unknown>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!SUBJECT_TYPES.includes(subject.type as Subject['type'])) {
    problems.push({
      field: 'subject.type',
      problem: `must be one of the following values: ${SUBJECT_TYPES.join(', ')}`,
    });
  }
  const id = subject.id;
  if (typeof id !== 'string') {
    problems.push({ field: 'subject.id', problem: 'must be a string' });
  } else if (id.length === 0 || id.length > MAX_SUBJECT_ID_LENGTH) {
    problems.push({
      field: 'subject.id',
      problem: `must be 1 to ${MAX_SUBJECT_ID_LENGTH} characters long`,
    });
  }
  for (const member of Object.keys(subject)) {
    if (member !== 'type' && member !== 'id') {
      const name = member.length <= 64 ? member : `${member.slice(0, 64)}…`;
      problems.push({ field: `subject.${name}`, problem: 'should not exist' });
    }
  }
  return problems;
}

/** The subject of a body that passed CHECK_SUBJECT, or undefined when it names none. */
export function checkedSubject(value: unknown): Subject | undefined {
  if (value === undefined) return undefined;
  const { type, id } = value as Subject;
  return { type, id };
}
