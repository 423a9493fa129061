import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * RFC 9449 §5.2 `dpop_bound_access_tokens` client metadata, and §10 the key an authorization
 * code is bound to by `dpop_jkt` at /authorize or /par.
 */
export class DpopBinding1763900000410 implements MigrationInterface {
  name = 'DpopBinding1763900000410';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "clients" ADD "dpop_bound_access_tokens" boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(
      `ALTER TABLE "authorization_codes" ADD "dpop_jkt" character varying(64)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "authorization_codes" DROP COLUMN "dpop_jkt"`);
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "dpop_bound_access_tokens"`);
  }
}
