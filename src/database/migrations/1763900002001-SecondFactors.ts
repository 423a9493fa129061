import { MigrationInterface, QueryRunner } from 'typeorm';

/** TOTP authenticators, recovery codes and pending sign-ins (docs/second-factors.md). */
export class SecondFactors1763900002001 implements MigrationInterface {
  name = 'SecondFactors1763900002001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "totp_authenticators" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "sealed_secret" text NOT NULL, "confirmed_at" TIMESTAMP WITH TIME ZONE, "last_time_step" bigint, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_totp_authenticators" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_totp_authenticators_user" ON "totp_authenticators" ("user_id")`,
    );
    await queryRunner.query(
      `ALTER TABLE "totp_authenticators" ADD CONSTRAINT "FK_totp_authenticators_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `CREATE TABLE "recovery_codes" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "code_hash" character varying(64) NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_recovery_codes" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_recovery_codes_user_hash" ON "recovery_codes" ("user_id", "code_hash")`,
    );
    await queryRunner.query(
      `ALTER TABLE "recovery_codes" ADD CONSTRAINT "FK_recovery_codes_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `CREATE TABLE "pending_sign_ins" ("id_hash" character varying(64) NOT NULL, "user_id" uuid NOT NULL, "amr" text array NOT NULL, "auth_time" TIMESTAMP WITH TIME ZONE NOT NULL, "interaction" character varying(64), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_pending_sign_ins" PRIMARY KEY ("id_hash"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_pending_sign_ins_expires" ON "pending_sign_ins" ("expires_at")`,
    );
    await queryRunner.query(
      `ALTER TABLE "pending_sign_ins" ADD CONSTRAINT "FK_pending_sign_ins_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "pending_sign_ins"`);
    await queryRunner.query(`DROP TABLE "recovery_codes"`);
    await queryRunner.query(`DROP TABLE "totp_authenticators"`);
  }
}
