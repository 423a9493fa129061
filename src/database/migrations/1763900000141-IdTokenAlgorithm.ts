import { MigrationInterface, QueryRunner } from 'typeorm';

/** OIDC Dynamic Client Registration §2 `id_token_signed_response_alg`, RS256 by default. */
export class IdTokenAlgorithm1763900000141 implements MigrationInterface {
  name = 'IdTokenAlgorithm1763900000141';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "clients" ADD "id_token_signed_response_alg" character varying(10) NOT NULL DEFAULT 'RS256'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "id_token_signed_response_alg"`);
  }
}
