import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RolesService } from '../access/roles/roles.service';
import { AppConfig } from '../config/app-config';
import { ConfigError } from '../config/load-config';
import { RandomService } from '../crypto/random.service';
import { sha256 } from '../crypto/secret-hasher.service';
import { SYSTEM_AUDIT } from '../events/audit-context';
import { AuditLog } from '../events/audit-log.service';
import { ChangeBus } from '../events/change-bus.service';
import { passwordProblem } from '../users/password.policy';
import { UsersService } from '../users/users.service';
import { ADMIN_ROLE } from './admin-role';
import { ConsoleSetupTokenEntity } from './setup-token.entity';

/** Serializes the first admin person's bootstrap across processes starting together. */
const FIRST_ADMIN_LOCK = 7_364_829_104;

/** How long the setup link is good for. */
export const SETUP_TOKEN_LIFETIME_SECONDS = 24 * 3600;

/** The fewest characters of an administrator's password, whatever PASSWORD_MIN_LENGTH says. */
export const ADMIN_PASSWORD_MIN_LENGTH = 12;

/** The password rule for administrators: the usual policy, at least 12 characters. */
export function adminPasswordProblem(
  password: string,
  configuredMin: number,
  owner: { username?: string; email?: string | null },
): string | undefined {
  return passwordProblem(password, Math.max(ADMIN_PASSWORD_MIN_LENGTH, configuredMin), owner);
}

/**
 * The first admin person (docs/console.md). With ADMIN_USERNAME and ADMIN_PASSWORD every start
 * ensures that person: active, with exactly that password, holding the role `admin`. Without
 * them, the first start on an empty database (no person at all, no setup link issued before)
 * prints a one-time setup link, once, on one stdout line beginning `Admin setup:`.
 */
@Injectable()
export class FirstAdmin implements OnApplicationBootstrap {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly random: RandomService,
    private readonly audit: AuditLog,
    private readonly bus: ChangeBus,
    private readonly users: UsersService,
    private readonly roles: RolesService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { username, password } = this.config.admin;
    if (username && password) {
      await this.ensureConfigured(username, password);
      return;
    }
    if (!this.config.consoleEnabled) return;
    const token = await this.issueSetupToken();
    if (token) {
      // The token rides in the fragment: browsers never send it, so no server log sees it.
      process.stdout.write(`Admin setup: ${this.config.issuer}/console/setup#token=${token}\n`);
    }
  }

  private async ensureConfigured(username: string, password: string): Promise<void> {
    const problem = adminPasswordProblem(password, this.config.passwordMinLength, { username });
    if (problem) throw new ConfigError([`ADMIN_PASSWORD: ${problem}`]);
    const context = SYSTEM_AUDIT;
    const userId = await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [FIRST_ADMIN_LOCK]);
      const user = await this.users.ensureAccount(
        manager,
        username,
        password,
        context,
        { source: 'ADMIN_USERNAME' },
        async (id) => {
          // A person someone else made (signed up, or came from an upstream provider) with this
          // username is not taken over: their passkeys, second factors and upstream links would
          // stay theirs, and with the role they would be an administrator.
          if (!(await this.roles.userHolds(manager, id, ADMIN_ROLE.name))) {
            throw new ConfigError([
              `ADMIN_PASSWORD: the person ${username} exists, does not hold the role ${ADMIN_ROLE.name}, and has another password; Gatehouse does not take over an account. Choose another ADMIN_USERNAME, or give that person the role first`,
            ]);
          }
        },
      );
      await this.roles.grantWithin(manager, ADMIN_ROLE, user.id, context);
      return user.id;
    });
    // Every process (and this one's decision state, before the start goes on) sees them.
    this.bus.publish({ type: 'user.changed', userId });
    await this.roles.announceGrant(userId);
  }

  /** A new setup token when the database has no person and never issued one; else none. */
  private async issueSetupToken(): Promise<string | undefined> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [FIRST_ADMIN_LOCK]);
      if (await this.users.anyExists(manager)) return undefined;
      if ((await manager.count(ConsoleSetupTokenEntity)) > 0) return undefined;
      const token = this.random.token(32);
      await manager.insert(ConsoleSetupTokenEntity, {
        tokenHash: sha256(token),
        expiresAt: () => `now() + interval '${SETUP_TOKEN_LIFETIME_SECONDS} seconds'`,
      });
      await this.audit.record(
        { ...SYSTEM_AUDIT, type: 'console.setup_link_issued', target: { type: 'console' } },
        manager,
      );
      return token;
    });
  }
}
