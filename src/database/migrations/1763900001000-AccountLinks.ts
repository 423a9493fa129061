import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Links sent by mail (docs/account.md): email verification and password reset, stored by the
 * SHA-256 of their 256 random bits, single use, short-lived. Browser sessions keep where they
 * began (address and User-Agent) for the account's sessions page.
 */
export class AccountLinks1763900001000 implements MigrationInterface {
  name = 'AccountLinks1763900001000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "account_links" (
        "token_hash" varchar(64) NOT NULL,
        "purpose" varchar(32) NOT NULL,
        "user_id" uuid NOT NULL,
        "email" varchar(254),
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_account_links" PRIMARY KEY ("token_hash"),
        CONSTRAINT "CHK_account_links_purpose" CHECK ("purpose" IN ('email_verification', 'password_reset')),
        CONSTRAINT "FK_account_links_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_account_links_user" ON "account_links" ("user_id", "purpose")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_account_links_expires" ON "account_links" ("expires_at")`,
    );
    await queryRunner.query(`ALTER TABLE "browser_sessions" ADD "ip" varchar(64)`);
    await queryRunner.query(`ALTER TABLE "browser_sessions" ADD "user_agent" varchar(512)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "browser_sessions" DROP COLUMN "user_agent"`);
    await queryRunner.query(`ALTER TABLE "browser_sessions" DROP COLUMN "ip"`);
    await queryRunner.query(`DROP TABLE "account_links"`);
  }
}
