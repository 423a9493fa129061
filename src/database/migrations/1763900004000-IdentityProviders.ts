import { MigrationInterface, QueryRunner } from 'typeorm';

/** Upstream OpenID Providers, account links and pending upstream sign-ins (docs/identity-providers.md). */
export class IdentityProviders1763900004000 implements MigrationInterface {
  name = 'IdentityProviders1763900004000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "identity_providers" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "alias" character varying(64) NOT NULL, "name" character varying(100) NOT NULL, "issuer" character varying(2000) NOT NULL, "client_id" character varying(255) NOT NULL, "client_secret_sealed" text NOT NULL, "scope" character varying(1000) NOT NULL, "status" character varying(20) NOT NULL DEFAULT 'active', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "CHK_identity_providers_status" CHECK ("status" IN ('active', 'disabled')), CONSTRAINT "PK_identity_providers" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_identity_providers_alias" ON "identity_providers" ("alias") `,
    );
    await queryRunner.query(
      `CREATE TABLE "upstream_links" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "provider_id" uuid NOT NULL, "issuer" character varying(2000) NOT NULL, "subject" character varying(255) NOT NULL, "user_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_upstream_links" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_upstream_links_issuer_subject" ON "upstream_links" ("issuer", "subject") `,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_upstream_links_provider" ON "upstream_links" ("provider_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_upstream_links_user" ON "upstream_links" ("user_id") `,
    );
    await queryRunner.query(
      `ALTER TABLE "upstream_links" ADD CONSTRAINT "FK_upstream_links_provider" FOREIGN KEY ("provider_id") REFERENCES "identity_providers"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "upstream_links" ADD CONSTRAINT "FK_upstream_links_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `CREATE TABLE "upstream_authorizations" ("id_hash" character varying(64) NOT NULL, "provider_id" uuid NOT NULL, "state" character varying(64) NOT NULL, "nonce" character varying(64) NOT NULL, "code_verifier_sealed" text NOT NULL, "interaction" character varying(64), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_upstream_authorizations" PRIMARY KEY ("id_hash"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_upstream_authorizations_expires" ON "upstream_authorizations" ("expires_at") `,
    );
    await queryRunner.query(
      `ALTER TABLE "upstream_authorizations" ADD CONSTRAINT "FK_upstream_authorizations_provider" FOREIGN KEY ("provider_id") REFERENCES "identity_providers"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `CREATE TABLE "upstream_link_offers" ("id_hash" character varying(64) NOT NULL, "provider_id" uuid NOT NULL, "issuer" character varying(2000) NOT NULL, "subject" character varying(255) NOT NULL, "user_id" uuid NOT NULL, "amr" text array NOT NULL, "interaction" character varying(64), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_upstream_link_offers" PRIMARY KEY ("id_hash"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_upstream_link_offers_expires" ON "upstream_link_offers" ("expires_at") `,
    );
    await queryRunner.query(
      `ALTER TABLE "upstream_link_offers" ADD CONSTRAINT "FK_upstream_link_offers_provider" FOREIGN KEY ("provider_id") REFERENCES "identity_providers"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "upstream_link_offers" ADD CONSTRAINT "FK_upstream_link_offers_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "upstream_link_offers"`);
    await queryRunner.query(`DROP TABLE "upstream_authorizations"`);
    await queryRunner.query(`DROP TABLE "upstream_links"`);
    await queryRunner.query(`DROP TABLE "identity_providers"`);
  }
}
