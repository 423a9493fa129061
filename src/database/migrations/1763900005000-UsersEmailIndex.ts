import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts are found by email without regard to case (password reset, linking an upstream
 * identity: docs/account.md, docs/identity-providers.md). Without an index each lookup read the
 * whole users table, a cost any stranger could ask for at /password/forgot.
 */
export class UsersEmailIndex1763900005000 implements MigrationInterface {
  name = 'UsersEmailIndex1763900005000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "IDX_users_email_lower" ON "users" (lower("email"))`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_users_email_lower"`);
  }
}
