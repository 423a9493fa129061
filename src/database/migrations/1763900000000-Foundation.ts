import { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1763900000000 implements MigrationInterface {
  name = 'Foundation1763900000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "clients" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "client_id" varchar(128) NOT NULL,
        "secret_hash" varchar(100),
        "client_name" varchar(200) NOT NULL,
        "client_type" varchar(20) NOT NULL,
        "redirect_uris" text[] NOT NULL DEFAULT '{}',
        "grant_types" text[] NOT NULL DEFAULT '{}',
        "response_types" text[] NOT NULL DEFAULT '{}',
        "scopes" text[] NOT NULL DEFAULT '{}',
        "audience" text[] NOT NULL DEFAULT '{}',
        "token_endpoint_auth_method" varchar(40) NOT NULL,
        "jwks_uri" varchar(2048),
        "jwks" jsonb,
        "allowed_cors_origins" text[] NOT NULL DEFAULT '{}',
        "access_token_lifetime" integer,
        "refresh_token_lifetime" integer,
        "status" varchar(20) NOT NULL DEFAULT 'active',
        "registered_by" varchar(20) NOT NULL DEFAULT 'admin',
        "registration_token_hash" varchar(64),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_clients" PRIMARY KEY ("id"),
        CONSTRAINT "CHK_clients_type" CHECK ("client_type" IN ('public', 'confidential', 'm2m')),
        CONSTRAINT "CHK_clients_status" CHECK ("status" IN ('active', 'disabled'))
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_clients_client_id" ON "clients" ("client_id")`,
    );
    await queryRunner.query(`
      CREATE TABLE "signing_keys" (
        "kid" varchar(64) NOT NULL,
        "algorithm" varchar(10) NOT NULL,
        "public_jwk" jsonb NOT NULL,
        "private_key_encrypted" text NOT NULL,
        "status" varchar(10) NOT NULL DEFAULT 'active',
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "retired_at" timestamptz,
        CONSTRAINT "PK_signing_keys" PRIMARY KEY ("kid")
      )`);
    await queryRunner.query(
      `CREATE INDEX "IDX_signing_keys_status" ON "signing_keys" ("status", "algorithm")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "signing_keys"`);
    await queryRunner.query(`DROP TABLE "clients"`);
  }
}
