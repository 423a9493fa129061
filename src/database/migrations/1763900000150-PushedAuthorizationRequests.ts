import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * RFC 9126 pushed authorization requests: the `pushed_authorization_requests` table (a request
 * stored by the SHA-256 of its `request_uri`, single use) and the client metadata
 * `require_pushed_authorization_requests` (§6).
 */
export class PushedAuthorizationRequests1763900000150 implements MigrationInterface {
  name = 'PushedAuthorizationRequests1763900000150';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "clients" ADD "require_pushed_authorization_requests" boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(
      `CREATE TABLE "pushed_authorization_requests" ("reference_hash" character varying(64) NOT NULL, "client_id" character varying(128) NOT NULL, "params" jsonb NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_pushed_authorization_requests" PRIMARY KEY ("reference_hash"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_pushed_authorization_requests_expires" ON "pushed_authorization_requests" ("expires_at") `,
    );
    await queryRunner.query(
      `ALTER TABLE "pushed_authorization_requests" ADD CONSTRAINT "FK_pushed_authorization_requests_client" FOREIGN KEY ("client_id") REFERENCES "clients"("client_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "pushed_authorization_requests"`);
    await queryRunner.query(
      `ALTER TABLE "clients" DROP COLUMN "require_pushed_authorization_requests"`,
    );
  }
}
