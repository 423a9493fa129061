import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * RFC 8176 `amr` of a sign-in, kept by its browser session and carried by the authorization
 * codes and refresh tokens issued from it into ID tokens (docs/second-factors.md). Rows from
 * before are password sign-ins.
 */
export class AuthenticationMethods1763900002000 implements MigrationInterface {
  name = 'AuthenticationMethods1763900002000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['browser_sessions', 'authorization_codes', 'refresh_tokens']) {
      await queryRunner.query(
        `ALTER TABLE "${table}" ADD "amr" text array NOT NULL DEFAULT '{pwd}'`,
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['refresh_tokens', 'authorization_codes', 'browser_sessions']) {
      await queryRunner.query(`ALTER TABLE "${table}" DROP COLUMN "amr"`);
    }
  }
}
