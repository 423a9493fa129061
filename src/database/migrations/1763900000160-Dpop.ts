import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * RFC 9449 DPoP: the proofs' `jti` replay table (§11.1) and the key a public client's refresh
 * token family is bound to (§5).
 */
export class Dpop1763900000160 implements MigrationInterface {
  name = 'Dpop1763900000160';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "dpop_proof_jtis" ("jkt" character varying(64) NOT NULL, "jti" character varying(256) NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_dpop_proof_jtis" PRIMARY KEY ("jkt", "jti"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_dpop_proof_jtis_expires" ON "dpop_proof_jtis" ("expires_at") `,
    );
    await queryRunner.query(`ALTER TABLE "refresh_tokens" ADD "dpop_jkt" character varying(64)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "refresh_tokens" DROP COLUMN "dpop_jkt"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_dpop_proof_jtis_expires"`);
    await queryRunner.query(`DROP TABLE "dpop_proof_jtis"`);
  }
}
