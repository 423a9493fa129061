import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { isUniqueViolation } from '../database/unique-violation';
import { Page } from '../common/pagination.dto';
import { DirectoryFilter, directoryPage } from '../common/directory-query.dto';
import { ConflictError, NotFoundError, ValidationFailedError } from '../common/api-error';
import { attributesProblems, canonicalAttributes } from '../common/attributes';
import { AppConfig } from '../config/app-config';
import { SecretHasher } from '../crypto/secret-hasher.service';
import { changedFields, updateEvents } from '../events/audit-changes';
import { AuditContext, SYSTEM_AUDIT } from '../events/audit-context';
import { AuditLog } from '../events/audit-log.service';
import { ChangeBus } from '../events/change-bus.service';
import { PasswordOwner, passwordProblem } from './password.policy';
import { SignOutEverywhere } from './sign-out-everywhere';
import { EmailChanges } from './email-changes';
import { CreateUserDto, UpdateUserDto } from './user.dto';
import { FederatedProfile, User, userSnapshot } from './user';
import { UserEntity } from './user.entity';
import { Clock } from '../common/clock';
import { isUuidShaped } from '../common/uuid';

/**
 * User accounts: passwords are bcrypt hashes, computed off the event loop and before any
 * transaction opens. Each change and its audit events are one transaction, announced only once
 * it has committed.
 */
/** What a new account is made of: a username and a password hash, the rest optional. */
export interface NewAccount {
  username: string;
  passwordHash: string;
  email?: string | null;
  emailVerified?: boolean;
  name?: string | null;
  givenName?: string | null;
  familyName?: string | null;
  attributes?: Record<string, unknown>;
}

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hasher: SecretHasher,
    private readonly bus: ChangeBus,
    private readonly audit: AuditLog,
    private readonly signOut: SignOutEverywhere,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly emailChanges: EmailChanges,
  ) {}

  /**
   * A new account. `source` is the address of a stranger signing up: the password's bcrypt is
   * charged to its budget before it runs (the admin API passes none).
   */
  async create(
    input: CreateUserDto,
    context: AuditContext = SYSTEM_AUDIT,
    source?: string,
  ): Promise<User> {
    checkAttributes(input.attributes);
    this.checkPassword(input.password, input);
    const passwordHash = await this.hasher.hash(input.password, source);
    const saved = await this.dataSource.transaction((manager) =>
      this.insertWithin(
        manager,
        {
          username: input.username,
          email: input.email ?? null,
          emailVerified: input.email_verified ?? false,
          passwordHash,
          name: input.name ?? null,
          givenName: input.given_name ?? null,
          familyName: input.family_name ?? null,
          attributes: input.attributes ?? {},
        },
        context,
      ),
    );
    this.bus.publish({ type: 'user.changed', userId: saved.id });
    // A new address is verified by a mailed link (docs/account.md).
    if (saved.email && !saved.emailVerified) await this.emailChanges.announce(saved, context);
    return saved;
  }

  /**
   * A new account for a person who signed in at an upstream provider (docs/identity-providers.md).
   * Its password is a random secret nobody is told, so only the upstream (or a later password
   * reset) signs it in. `within` runs in the same transaction (the account link and its audit
   * event); a taken username is a ConflictError and nothing is written.
   */
  async createFederated(
    profile: FederatedProfile,
    context: AuditContext,
    source: string,
    within: (manager: EntityManager, user: User) => Promise<void>,
  ): Promise<User> {
    const passwordHash = await this.hasher.hash(randomBytes(32).toString('base64url'), source);
    const saved = await this.dataSource.transaction(async (manager) => {
      const user = await this.insertWithin(
        manager,
        {
          username: profile.username,
          email: profile.email,
          emailVerified: profile.email !== null && profile.emailVerified,
          passwordHash,
          name: profile.name,
          givenName: profile.givenName,
          familyName: profile.familyName,
        },
        context,
        { federated: true },
      );
      await within(manager, user);
      return user;
    });
    this.bus.publish({ type: 'user.changed', userId: saved.id });
    return saved;
  }

  /**
   * A new active account in the caller's transaction, with a password hashed before it opened;
   * `user.created` recorded with `details`. A taken username is a ConflictError. Every way an
   * account is made (the admin API, sign-up, an upstream sign-in, the first admin) comes here.
   */
  async insertWithin(
    manager: EntityManager,
    input: NewAccount,
    context: AuditContext,
    details: Record<string, unknown> = {},
  ): Promise<User> {
    let saved: UserEntity;
    try {
      saved = await manager.save(
        manager.create(UserEntity, {
          username: input.username,
          usernameNormalized: input.username.toLowerCase(),
          email: input.email ?? null,
          emailVerified: input.emailVerified ?? false,
          passwordHash: input.passwordHash,
          name: input.name ?? null,
          givenName: input.givenName ?? null,
          familyName: input.familyName ?? null,
          attributes: input.attributes ?? {},
          status: 'active',
        }),
      );
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ConflictError(`the username ${input.username} is taken`);
      throw error;
    }
    await this.audit.record(
      {
        ...context,
        type: 'user.created',
        target: { type: 'user', id: saved.id },
        details: { username: saved.username, ...details },
      },
      manager,
    );
    return userSnapshot(saved);
  }

  /**
   * The account named `username`, active with exactly `password`, in the caller's transaction
   * (the first admin person, docs/console.md): created if missing; otherwise re-hashed only when
   * the password differs, which ends every sign-in of the person as any password change does;
   * `beforeNewPassword` runs first and may throw to change nothing. bcrypt runs inside: only a
   * start does this, under its lock.
   */
  async ensureAccount(
    manager: EntityManager,
    username: string,
    password: string,
    context: AuditContext,
    details: Record<string, unknown> = {},
    beforeNewPassword: (userId: string) => Promise<void> = async () => undefined,
  ): Promise<User> {
    const existing = await manager.findOne(UserEntity, {
      where: { usernameNormalized: username.toLowerCase() },
      lock: { mode: 'for_no_key_update' },
    });
    if (!existing) {
      const passwordHash = await this.hasher.hash(password);
      return this.insertWithin(manager, { username, passwordHash }, context, details);
    }
    const fields: string[] = [];
    if (!(await this.hasher.compare(password, existing.passwordHash))) {
      // The caller may refuse to take over an account someone else made (it throws).
      await beforeNewPassword(existing.id);
      existing.passwordHash = await this.hasher.hash(password);
      await this.endSignIns(manager, existing);
      fields.push('password');
    }
    if (existing.status !== 'active') {
      existing.status = 'active';
      fields.push('status');
    }
    if (fields.length === 0) return userSnapshot(existing);
    const saved = await manager.save(existing);
    for (const event of updateEvents('user', saved.id, saved.status, fields)) {
      await this.audit.record(
        { ...context, ...event, details: { ...event.details, ...details } },
        manager,
      );
    }
    return userSnapshot(saved);
  }

  /** Whether any account exists, in the caller's transaction. */
  async anyExists(manager: EntityManager): Promise<boolean> {
    return (await manager.count(UserEntity, { take: 1 })) > 0;
  }

  /** Whether a username is free (without regard to case). */
  async usernameAvailable(username: string): Promise<boolean> {
    return (await this.byUsername(username)) === null;
  }

  /** The accounts whose email is `email`, compared without regard to case; at most `limit`. */
  async findByEmail(email: string, limit = 2): Promise<User[]> {
    const users = await this.users
      .createQueryBuilder('user')
      .where('lower(user.email) = lower(:email)', { email })
      .orderBy('user.created_at', 'ASC')
      .take(limit)
      .getMany();
    return users.map(userSnapshot);
  }

  /**
   * One page of users in creation order, narrowed by `filter`: `q` a case-insensitive substring
   * of the username, email or name (matched literally), `status` exactly.
   */
  async list(
    limit: number,
    offset: number,
    filter: DirectoryFilter = {},
  ): Promise<Page<UserEntity>> {
    return directoryPage(
      this.users.createQueryBuilder('user'),
      ['username', 'email', 'name'],
      filter,
      limit,
      offset,
    );
  }

  /**
   * Signs the person out everywhere (an administrator's "sign out everywhere"): every browser
   * session and refresh token family ends through the registered steps, and the cut-off ends
   * every access token and code issued before now, with `user.signed_out_everywhere` in the
   * same transaction (docs/security/privilege.md). 404 for an unknown user.
   */
  async signOutEverywhere(id: string, context: AuditContext): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const user = await this.locked(manager, id, 'for_no_key_update');
      await this.endSignIns(manager, user);
      await manager.save(user);
      await this.audit.record(
        { ...context, type: 'user.signed_out_everywhere', target: { type: 'user', id: user.id } },
        manager,
      );
    });
    this.bus.publish({ type: 'user.changed', userId: id });
  }

  async get(id: string): Promise<UserEntity> {
    const user = isUuidShaped(id) ? await this.users.findOne({ where: { id } }) : null;
    if (!user) throw new NotFoundError(`user ${id}`);
    return user;
  }

  /**
   * The user a sub names, if it still exists and is active. Inside a transaction pass its
   * `manager`: a second pool connection could deadlock a busy (or single-connection) pool.
   */
  async findActive(id: string, manager?: EntityManager): Promise<User | null> {
    if (!isUuidShaped(id)) return null;
    const users = manager?.getRepository(UserEntity) ?? this.users;
    const user = await users.findOne({ where: { id } });
    return user?.status === 'active' ? userSnapshot(user) : null;
  }

  async findByUsername(username: string): Promise<User | null> {
    const user = await this.byUsername(username);
    return user ? userSnapshot(user) : null;
  }

  private byUsername(username: string): Promise<UserEntity | null> {
    return this.users.findOne({ where: { usernameNormalized: username.toLowerCase() } });
  }

  /**
   * Changes a user. A new email is unverified unless `email_verified` says otherwise, and the
   * EmailChanges listeners hear of it once committed (they mail a verification link) unless
   * `options.announceEmail` is false: a caller that sends the link itself, to report the outcome.
   */
  async update(
    id: string,
    input: UpdateUserDto,
    context: AuditContext = SYSTEM_AUDIT,
    options: { announceEmail?: boolean } = {},
  ): Promise<UserEntity> {
    checkAttributes(input.attributes);
    let passwordHash: string | undefined;
    if (input.password !== undefined) {
      // An unknown user is a 404 before a bad password is a 400; bcrypt runs before the
      // transaction opens.
      const user = await this.get(id);
      this.checkPassword(input.password, {
        username: user.username,
        email: input.email ?? user.email,
      });
      passwordHash = await this.hasher.hash(input.password);
    }
    let emailChanged = false;
    const saved = await this.dataSource.transaction(async (manager) => {
      // Locked: a concurrent update waits, so the changed fields are those of this one.
      const user = await this.locked(manager, id, 'for_no_key_update');
      const before = profileOf(user);
      if (passwordHash !== undefined) user.passwordHash = passwordHash;
      if (input.email !== undefined && input.email !== user.email) {
        user.email = input.email;
        emailChanged = true;
        // OIDC Core §5.1 email_verified: true only once this address has been proven.
        user.emailVerified = false;
      }
      if (input.email_verified !== undefined) user.emailVerified = input.email_verified;
      if (input.name !== undefined) user.name = input.name;
      if (input.given_name !== undefined) user.givenName = input.given_name;
      if (input.family_name !== undefined) user.familyName = input.family_name;
      if (input.attributes !== undefined) user.attributes = input.attributes;
      // A new password (set by an administrator, or by the person through any future change or
      // reset flow that calls this) or a disable ends everything issued before it, even once the
      // user is enabled again: see endSignIns.
      const endsSignIns =
        passwordHash !== undefined || (user.status === 'active' && input.status === 'disabled');
      if (input.status !== undefined) user.status = input.status;
      if (endsSignIns) await this.endSignIns(manager, user);
      const saved = await manager.save(user);
      // The password is named when it was set, never shown; it may equal the old one.
      const changed = changedFields(before, profileOf(saved));
      if (input.password !== undefined) changed.push('password');
      for (const event of updateEvents('user', saved.id, saved.status, changed)) {
        await this.audit.record({ ...context, ...event }, manager);
      }
      return saved;
    });
    this.bus.publish({ type: 'user.changed', userId: id });
    if (emailChanged && !saved.emailVerified && saved.email && options.announceEmail !== false)
      await this.emailChanges.announce(userSnapshot(saved), context);
    return saved;
  }

  /**
   * Sets a password the person chose (a reset link, the account page): the password policy,
   * bcrypt charged to `source`, then one transaction that runs `within` first (a reset link is
   * redeemed there: it throws to change nothing), sets the hash, ends every sign-in
   * (sessions, refresh families, the cut-off) and records `eventType`.
   */
  async setPassword(
    id: string,
    password: string,
    context: AuditContext,
    options: {
      source: string;
      eventType: string;
      within?: (manager: EntityManager) => Promise<void>;
    },
  ): Promise<void> {
    const current = await this.get(id);
    this.checkPassword(password, { username: current.username, email: current.email });
    const passwordHash = await this.hasher.hash(password, options.source);
    await this.dataSource.transaction(async (manager) => {
      await options.within?.(manager);
      const user = await this.locked(manager, id, 'for_no_key_update');
      user.passwordHash = passwordHash;
      await this.endSignIns(manager, user);
      await manager.save(user);
      await this.audit.record(
        { ...context, type: options.eventType, target: { type: 'user', id } },
        manager,
      );
    });
    this.bus.publish({ type: 'user.changed', userId: id });
  }

  /**
   * Sets email_verified, in the caller's transaction, if the user's address is still `email`
   * (compared exactly: a link proves the address it was sent to). Whether it did.
   */
  async markEmailVerified(manager: EntityManager, id: string, email: string): Promise<boolean> {
    const result = await manager.update(UserEntity, { id, email }, { emailVerified: true });
    return (result.affected ?? 0) > 0;
  }

  async remove(id: string, context: AuditContext = SYSTEM_AUDIT): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      // Locked as the delete will: a concurrent delete waits, then finds nothing (404).
      const user = await this.locked(manager, id, 'pessimistic_write');
      await manager.delete(UserEntity, { id: user.id });
      await this.audit.record(
        {
          ...context,
          type: 'user.deleted',
          target: { type: 'user', id: user.id },
          details: { username: user.username },
        },
        manager,
      );
    });
    this.bus.publish({ type: 'user.deleted', userId: id });
  }

  /**
   * Ends every way the user is signed in, in the caller's transaction (docs/security/privilege.md):
   * browser sessions and refresh token families go now, and the cut-off `tokensValidAfter`
   * ends every access token, authorization code, session or refresh token issued before this
   * instant, in every process, whatever raced with the change.
   */
  private async endSignIns(manager: EntityManager, user: UserEntity): Promise<void> {
    user.tokensValidAfter = this.clock.date();
    await this.signOut.run(manager, user.id);
  }

  /**
   * The user whose password this is, or null. An unknown username costs the same bcrypt work
   * as a wrong password, so neither answer nor timing tells them apart; either is charged to
   * the bcrypt budget of `source`, the address signing in.
   */
  async verifyPassword(username: string, password: string, source: string): Promise<User | null> {
    const user = await this.byUsername(username);
    if (!user) {
      await this.hasher.verifyNothing(password, source);
      return null;
    }
    return (await this.hasher.compare(password, user.passwordHash, source))
      ? userSnapshot(user)
      : null;
  }

  /** How many users there are (one COUNT query: the console's overview). */
  count(): Promise<number> {
    return this.users.count();
  }

  /**
   * Locks the user until the caller's transaction ends, so changes to what hangs on it (its
   * roles) take turns; 404 if there is none. `manager` is the caller's transaction: embedded
   * PGlite has one connection, and a second one would wait on this transaction forever.
   */
  async lockForChange(manager: EntityManager, id: string): Promise<void> {
    await this.locked(manager, id, 'for_no_key_update');
  }

  /** The user, locked until the transaction ends; 404 if there is none. */
  private async locked(
    manager: EntityManager,
    id: string,
    mode: 'for_no_key_update' | 'pessimistic_write',
  ): Promise<UserEntity> {
    const user = isUuidShaped(id)
      ? await manager.findOne(UserEntity, { where: { id }, lock: { mode } })
      : null;
    if (!user) throw new NotFoundError(`user ${id}`);
    return user;
  }

  private checkPassword(password: string, owner: PasswordOwner): void {
    const problem = passwordProblem(password, this.config.passwordMinLength, owner);
    if (problem) throw new ValidationFailedError([{ field: 'password', problem }]);
  }
}

/** The fields an update may change, besides the password, to tell which ones it did. */
function profileOf(user: UserEntity): Record<string, unknown> {
  return {
    email: user.email,
    emailVerified: user.emailVerified,
    name: user.name,
    givenName: user.givenName,
    familyName: user.familyName,
    attributes: canonicalAttributes(user.attributes),
    status: user.status,
  };
}

/** 400 naming `attributes` or `attributes.<key>` (docs/access.md, Attributes). */
function checkAttributes(attributes: unknown): void {
  if (attributes === undefined) return;
  const problems = attributesProblems(attributes);
  if (problems.length > 0) throw new ValidationFailedError(problems);
}
