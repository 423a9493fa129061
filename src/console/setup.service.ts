import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull } from 'typeorm';
import { RolesService } from '../access/roles/roles.service';
import { ValidationFailedError } from '../common/api-error';
import { ADMIN_SCOPE } from '../common/auth/permissions';
import { AppConfig } from '../config/app-config';
import { SecretHasher, sha256 } from '../crypto/secret-hasher.service';
import { AuditContext } from '../events/audit-context';
import { ChangeBus } from '../events/change-bus.service';
import { UsersService } from '../users/users.service';
import { ADMIN_ROLE } from './admin-role';
import { adminPasswordProblem } from './first-admin.service';
import { ConsoleSetupDto } from './setup.dto';
import { ConsoleSetupTokenEntity } from './setup-token.entity';

/** A token as the setup link carries it: 32 random bytes, base64url. */
const TOKEN_SYNTAX = /^[A-Za-z0-9_-]{43}$/;

function badToken(problem: string): ValidationFailedError {
  return new ValidationFailedError([{ field: 'token', problem }]);
}

/**
 * Redeems the setup link (docs/console.md): the first admin person, holding `admin`, made in one
 * transaction that also spends the token, so a token makes at most one person.
 */
@Injectable()
export class ConsoleSetup {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hasher: SecretHasher,
    private readonly bus: ChangeBus,
    private readonly users: UsersService,
    private readonly roles: RolesService,
    private readonly config: AppConfig,
  ) {}

  async redeem(
    input: ConsoleSetupDto,
    context: AuditContext,
    source: string,
  ): Promise<{ id: string; username: string }> {
    const problem = adminPasswordProblem(input.password, this.config.passwordMinLength, {
      username: input.username,
      email: input.email ?? null,
    });
    if (problem) throw new ValidationFailedError([{ field: 'password', problem }]);
    const invalid = badToken('is not a valid setup token, or it was used or has expired');
    if (!TOKEN_SYNTAX.test(input.token)) throw invalid;
    const tokenHash = sha256(input.token);
    // A stranger's guess costs no bcrypt: the token is looked at first (and spent below).
    if (!(await this.usable(tokenHash))) throw invalid;
    const passwordHash = await this.hasher.hash(input.password, source);
    const user = await this.dataSource.transaction(async (manager) => {
      const spent = await manager
        .createQueryBuilder()
        .update(ConsoleSetupTokenEntity)
        .set({ usedAt: () => 'now()' })
        .where({ tokenHash, usedAt: IsNull() })
        .andWhere('expires_at > now()')
        .returning('token_hash')
        .execute();
      if ((spent.raw as unknown[]).length === 0) throw invalid;
      if (await this.roles.someUserHolds(manager, ADMIN_SCOPE)) {
        throw badToken('setup is over: an administrator exists');
      }
      const created = await this.users.insertWithin(
        manager,
        { username: input.username, email: input.email ?? null, passwordHash },
        context,
        { source: 'console_setup' },
      );
      await this.roles.grantWithin(manager, ADMIN_ROLE, created.id, context);
      return created;
    });
    this.bus.publish({ type: 'user.changed', userId: user.id });
    await this.roles.announceGrant(user.id);
    return { id: user.id, username: user.username };
  }

  private async usable(tokenHash: string): Promise<boolean> {
    return this.dataSource
      .getRepository(ConsoleSetupTokenEntity)
      .createQueryBuilder('token')
      .where({ tokenHash, usedAt: IsNull() })
      .andWhere('token.expires_at > now()')
      .getExists();
  }
}
