import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * RFC 8705 mutual TLS: the §2.1.2 client metadata that names a client's certificate, the §3.4
 * flag for certificate-bound access tokens, and the certificate (`x5t#S256`) a public client's
 * refresh tokens are bound to (§4).
 */
export class MutualTls1763900000400 implements MigrationInterface {
  name = 'MutualTls1763900000400';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "clients" ADD "tls_client_auth_subject_dn" character varying(1024)`,
    );
    await queryRunner.query(
      `ALTER TABLE "clients" ADD "tls_client_auth_san_dns" character varying(253)`,
    );
    await queryRunner.query(
      `ALTER TABLE "clients" ADD "tls_client_auth_san_uri" character varying(2000)`,
    );
    await queryRunner.query(
      `ALTER TABLE "clients" ADD "tls_client_auth_san_ip" character varying(45)`,
    );
    await queryRunner.query(
      `ALTER TABLE "clients" ADD "tls_client_auth_san_email" character varying(320)`,
    );
    await queryRunner.query(
      `ALTER TABLE "clients" ADD "tls_client_certificate_bound_access_tokens" boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(`ALTER TABLE "refresh_tokens" ADD "x5t_s256" character varying(64)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "refresh_tokens" DROP COLUMN "x5t_s256"`);
    await queryRunner.query(
      `ALTER TABLE "clients" DROP COLUMN "tls_client_certificate_bound_access_tokens"`,
    );
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "tls_client_auth_san_email"`);
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "tls_client_auth_san_ip"`);
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "tls_client_auth_san_uri"`);
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "tls_client_auth_san_dns"`);
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "tls_client_auth_subject_dn"`);
  }
}
