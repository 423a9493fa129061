import { MigrationInterface, QueryRunner } from 'typeorm';

/** The one-time setup link of the first admin person (docs/console.md). */
export class ConsoleSetupTokens1763900006000 implements MigrationInterface {
  name = 'ConsoleSetupTokens1763900006000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "console_setup_tokens" ("token_hash" character varying(64) NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_console_setup_tokens" PRIMARY KEY ("token_hash"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "console_setup_tokens"`);
  }
}
