import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { AuditEntry } from './audit-log.service';
import { isClientsOwnToken } from '../common/auth/token-subject';

/**
 * Who made a request and from where: the part of every audit entry that the request decides.
 * Controllers build it and hand it to the service that makes the change.
 */
export interface AuditContext {
  actor: AuditEntry['actor'];
  ip: string | null;
  userAgent: string | null;
  /** The client a person acted through (their token's `client_id`); recorded as `details.client_id`. */
  clientId?: string;
}

/** The server acting on its own (bootstrap, schedules), or a caller that passed no context. */
export const SYSTEM_AUDIT: AuditContext = { actor: { type: 'system' }, ip: null, userAgent: null };

/** The context of `request` for `actor`: the client IP (as TRUST_PROXY decides) and User-Agent. */
export function auditContext(request: FastifyRequest, actor: AuditEntry['actor']): AuditContext {
  const agent = request.headers['user-agent'];
  return { actor, ip: request.ip || null, userAgent: typeof agent === 'string' ? agent : null };
}

/**
 * The admin API caller as an audit actor, from the Bearer token that ScopeGuard verified
 * (`request.principal`), so use it on routes behind `@RequireScope`: a person's token (its `sub`
 * is not its client, RFC 9068 §2.2) names the person, with the client they acted through; a
 * client's own token (client_credentials) names the client.
 */
export const AdminAudit = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuditContext =>
    adminAuditOf(context.switchToHttp().getRequest<FastifyRequest>()),
);

/** AdminAudit's answer for `request`. */
export function adminAuditOf(request: FastifyRequest): AuditContext {
  const principal = request.principal;
  if (!principal) return auditContext(request, { type: 'anonymous' });
  if (!isClientsOwnToken(principal)) {
    return {
      ...auditContext(request, { type: 'user', id: principal.sub }),
      clientId: principal.clientId,
    };
  }
  return auditContext(request, { type: 'client', id: principal.clientId });
}
