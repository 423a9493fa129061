import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * RFC 7523 §2.2 client_secret_jwt: the secret encrypted under the key-encryption key (and the
 * previous one during a rotation grace), for those clients only; RFC 7591 §2
 * token_endpoint_auth_signing_alg for every assertion-based client.
 */
export class ClientSecretJwt1763900000300 implements MigrationInterface {
  name = 'ClientSecretJwt1763900000300';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "clients" ADD "secret_encrypted" text`);
    await queryRunner.query(`ALTER TABLE "clients" ADD "previous_secret_encrypted" text`);
    await queryRunner.query(
      `ALTER TABLE "clients" ADD "token_endpoint_auth_signing_alg" character varying(10)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "token_endpoint_auth_signing_alg"`);
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "previous_secret_encrypted"`);
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "secret_encrypted"`);
  }
}
