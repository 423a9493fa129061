import { MigrationInterface, QueryRunner } from 'typeorm';

/** WebAuthn passkeys and their ceremonies' challenges (docs/passkeys.md). */
export class Passkeys1763900003000 implements MigrationInterface {
  name = 'Passkeys1763900003000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "passkeys" ("id" uuid NOT NULL, "user_id" uuid NOT NULL, "credential_id" character varying(1400) NOT NULL, "public_key" bytea NOT NULL, "sign_count" bigint NOT NULL, "transports" jsonb NOT NULL DEFAULT '[]', "device_type" character varying(16) NOT NULL, "backed_up" boolean NOT NULL, "name" character varying(64) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_passkeys" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_passkeys_user" ON "passkeys" ("user_id") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_passkeys_credential_id" ON "passkeys" ("credential_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "passkey_challenges" ("id_hash" character varying(64) NOT NULL, "purpose" character varying(16) NOT NULL, "challenge" character varying(128) NOT NULL, "user_id" uuid, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_passkey_challenges" PRIMARY KEY ("id_hash"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_passkey_challenges_expires" ON "passkey_challenges" ("expires_at") `,
    );
    await queryRunner.query(
      `ALTER TABLE "passkeys" ADD CONSTRAINT "FK_passkeys_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "passkey_challenges" ADD CONSTRAINT "FK_passkey_challenges_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "passkey_challenges" DROP CONSTRAINT "FK_passkey_challenges_user"`,
    );
    await queryRunner.query(`ALTER TABLE "passkeys" DROP CONSTRAINT "FK_passkeys_user"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_passkey_challenges_expires"`);
    await queryRunner.query(`DROP TABLE "passkey_challenges"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_passkeys_credential_id"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_passkeys_user"`);
    await queryRunner.query(`DROP TABLE "passkeys"`);
  }
}
