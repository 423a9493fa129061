import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { AuditEntry } from './audit-log.service';

/**
 * Who made a request and from where: the part of every audit entry that the request decides.
 * Controllers build it and hand it to the service that makes the change.
 */
export interface AuditContext {
  actor: AuditEntry['actor'];
  ip: string | null;
  userAgent: string | null;
}

/** The server acting on its own (bootstrap, schedules), or a caller that passed no context. */
export const SYSTEM_AUDIT: AuditContext = { actor: { type: 'system' }, ip: null, userAgent: null };

/** The context of `request` for `actor`: the client IP (as TRUST_PROXY decides) and User-Agent. */
export function auditContext(request: FastifyRequest, actor: AuditEntry['actor']): AuditContext {
  const agent = request.headers['user-agent'];
  return { actor, ip: request.ip || null, userAgent: typeof agent === 'string' ? agent : null };
}

/**
 * The admin API caller as an audit actor: the client of the Bearer token that ScopeGuard
 * verified (`request.principal`), so use it on routes behind `@RequireScope`.
 */
export const AdminAudit = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuditContext => {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = request.principal;
    return auditContext(
      request,
      principal ? { type: 'client', id: principal.clientId } : { type: 'anonymous' },
    );
  },
);
