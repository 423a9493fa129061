import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, MoreThan, Repository } from 'typeorm';
import { Housekeeping } from '../database/housekeeping.service';
import { AppConfig } from '../config/app-config';
import { RandomService } from '../crypto/random.service';
import { sha256 } from '../crypto/secret-hasher.service';
import { SignOutEverywhere } from '../users/sign-out-everywhere';
import { UsersService } from '../users/users.service';
import { User } from '../users/user';
import { AuditContext } from '../events/audit-context';
import { AuditLog } from '../events/audit-log.service';
import { BrowserSessionEntity } from './authorization.entities';
import { Clock } from '../common/clock';
import { PASSWORD_ONLY } from './authentication-context';

export const SESSION_COOKIE = 'gatehouse_session';

export interface ActiveSession {
  user: User;
  authTime: Date;
  /** RFC 8176 §2 methods the sign-in used, e.g. ['pwd'] or ['pwd', 'otp', 'mfa']. */
  amr: string[];
}

/** A browser session as its owner sees it on the account pages: never the cookie or its hash. */
export interface SessionListing {
  /** An opaque name for this session in forms: derived from, and revealing nothing of, the hash. */
  handle: string;
  startedAt: Date;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

/** A browser session as an administrator sees it (`GET /admin/users/{id}/sessions`). */
export interface AdminSessionListing {
  handle: string;
  startedAt: Date;
  /** When the person authenticated (OIDC Core §2 auth_time). */
  authTime: Date;
  expiresAt: Date;
  /** RFC 8176 §2 methods of the sign-in. */
  amr: string[];
  ip: string | null;
  userAgent: string | null;
}

const MAX_USER_AGENT = 512;
/** The account's sessions page lists at most this many, newest first: one page, however many. */
const MAX_LISTED_SESSIONS = 100;

/** The handle of a session on the account pages: a one-way function of its stored hash. */
function handleOf(idHash: string): string {
  return sha256(`session-handle:${idHash}`).slice(0, 32);
}

/**
 * Server-side browser sessions in the database, so every process shares them. The cookie
 * carries 256 random bits; the table keeps only their SHA-256.
 */
@Injectable()
export class SessionsService {
  constructor(
    @InjectRepository(BrowserSessionEntity)
    private readonly sessions: Repository<BrowserSessionEntity>,
    private readonly users: UsersService,
    private readonly random: RandomService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly audit: AuditLog,
    housekeeping: Housekeeping,
    signOut: SignOutEverywhere,
  ) {
    housekeeping.register(
      'browser_sessions',
      `DELETE FROM "browser_sessions" WHERE "expires_at" < now()`,
    );
    // A password change or a disable signs the person out of every browser.
    signOut.register('browser_sessions', (manager, userId) =>
      manager.delete(BrowserSessionEntity, { userId }),
    );
  }

  /**
   * Starts a session for a user who just authenticated with `amr` (RFC 8176 §2; a password by
   * default); returns the cookie value. With `signedIn`, the session and its login.succeeded
   * audit event (which names the methods) are one transaction.
   */
  async start(
    userId: string,
    signedIn?: AuditContext,
    amr: readonly string[] = PASSWORD_ONLY,
    authTime: Date = this.clock.date(),
  ): Promise<string> {
    if (!signedIn) return this.insert(userId, amr, authTime, this.sessions.manager);
    return this.sessions.manager.transaction(async (manager) => {
      const value = await this.insert(userId, amr, authTime, manager, signedIn);
      const who = { type: 'user', id: userId } as const;
      await this.audit.record(
        { ...signedIn, type: 'login.succeeded', target: who, details: { amr: [...amr] } },
        manager,
      );
      return value;
    });
  }

  private async insert(
    userId: string,
    amr: readonly string[],
    authTime: Date,
    manager: EntityManager,
    from?: AuditContext,
  ): Promise<string> {
    const value = this.random.secret();
    await manager.insert(BrowserSessionEntity, {
      idHash: sha256(value),
      userId,
      ip: from?.ip?.slice(0, 64) ?? null,
      userAgent: from?.userAgent?.slice(0, MAX_USER_AGENT) ?? null,
      authTime,
      amr: [...amr],
      expiresAt: new Date(this.clock.now() + this.config.sessions.lifetime * 1000),
    });
    return value;
  }

  /**
   * The live session behind a cookie: unexpired, its user still active, and begun after the
   * user's cut-off (a password change or disable since it began ends it).
   */
  async find(cookie: string | undefined): Promise<ActiveSession | null> {
    if (!cookie || cookie.length > 128) return null;
    const session = await this.sessions.findOne({
      where: { idHash: sha256(cookie), expiresAt: MoreThan(this.clock.date()) },
    });
    if (!session) return null;
    const user = await this.users.findActive(session.userId);
    if (!user) return null;
    const cutoff = user.tokensValidAfter;
    if (cutoff && session.authTime.getTime() <= cutoff.getTime()) return null;
    return { user, authTime: session.authTime, amr: session.amr };
  }

  async end(cookie: string | undefined): Promise<void> {
    if (cookie) await this.sessions.delete({ idHash: sha256(cookie) });
  }

  /** The live sessions of `userId`, newest first (at most 100); `cookie` marks the one asking. */
  async listFor(userId: string, cookie: string | undefined): Promise<SessionListing[]> {
    const current = cookie ? sha256(cookie) : undefined;
    const rows = await this.sessions.find({
      where: { userId, expiresAt: MoreThan(this.clock.date()) },
      order: { createdAt: 'DESC' },
      take: MAX_LISTED_SESSIONS,
    });
    return rows.map((row) => ({
      handle: handleOf(row.idHash),
      startedAt: row.createdAt,
      ip: row.ip,
      userAgent: row.userAgent,
      current: row.idHash === current,
    }));
  }

  /**
   * The live browser sessions of `userId` as an administrator sees them, newest first (at most
   * 100): unexpired and begun after the person's cut-off, each named by its handle (never the
   * cookie or its hash). 404 for an unknown user.
   */
  async listForAdmin(userId: string): Promise<AdminSessionListing[]> {
    const user = await this.users.get(userId);
    const rows = await this.sessions.find({
      where: { userId: user.id, expiresAt: MoreThan(this.clock.date()) },
      order: { createdAt: 'DESC' },
      take: MAX_LISTED_SESSIONS,
    });
    const cutoff = user.tokensValidAfter?.getTime();
    return rows
      .filter((row) => cutoff === undefined || row.authTime.getTime() > cutoff)
      .map((row) => ({
        handle: handleOf(row.idHash),
        startedAt: row.createdAt,
        authTime: row.authTime,
        expiresAt: row.expiresAt,
        amr: row.amr,
        ip: row.ip,
        userAgent: row.userAgent,
      }));
  }

  /**
   * Ends the sessions of `userId` that `which` picks: one by its handle, or every one but the
   * asking browser's, with their `account.sessions_ended` audit event in one transaction.
   * Answers how many ended; another person's session is never matched.
   */
  async endFor(
    userId: string,
    which: { handle: string } | { allBut: string | undefined },
    context: AuditContext,
  ): Promise<number> {
    return this.sessions.manager.transaction(async (manager) => {
      const rows = await manager.find(BrowserSessionEntity, {
        where: { userId },
        select: { idHash: true },
        lock: { mode: 'pessimistic_write' },
      });
      const keep = 'allBut' in which && which.allBut ? sha256(which.allBut) : undefined;
      const ending = rows
        .map((row) => row.idHash)
        .filter((idHash) =>
          'handle' in which ? handleOf(idHash) === which.handle : idHash !== keep,
        );
      if (ending.length === 0) return 0;
      await manager.delete(BrowserSessionEntity, { userId, idHash: In(ending) });
      await this.audit.record(
        {
          ...context,
          type: 'account.sessions_ended',
          target: { type: 'user', id: userId },
          details: { which: 'handle' in which ? 'one' : 'others', count: ending.length },
        },
        manager,
      );
      return ending.length;
    });
  }

  cookieOptions(maxAge?: number) {
    return {
      path: '/',
      httpOnly: true,
      sameSite: 'lax' as const,
      secure: this.config.issuer.startsWith('https:'),
      ...(maxAge !== undefined ? { maxAge } : {}),
    };
  }
}
