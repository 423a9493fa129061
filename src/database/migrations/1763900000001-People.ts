import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Users, browser sessions, consents, authorization codes, refresh tokens and revoked access
 * tokens; clients gain post_logout_redirect_uris and always_issue_refresh_token. Generated from
 * the entities (`npm run migration:generate`), so the two stay in step.
 */
export class People1763900000001 implements MigrationInterface {
  name = 'People1763900000001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "users" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "username" character varying(64) NOT NULL, "username_normalized" character varying(64) NOT NULL, "email" character varying(254), "email_verified" boolean NOT NULL DEFAULT false, "password_hash" character varying(100) NOT NULL, "name" character varying(200), "given_name" character varying(100), "family_name" character varying(100), "status" character varying(20) NOT NULL DEFAULT 'active', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "CHK_users_status" CHECK ("status" IN ('active', 'disabled')), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_users_username_normalized" ON "users"("username_normalized")`,
    );
    await queryRunner.query(
      `CREATE TABLE "interactions" ("id" character varying(64) NOT NULL, "request" jsonb NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_911b7416a6671b4148b18c18ecb" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_interactions_expires" ON "interactions"("expires_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "browser_sessions" ("id_hash" character varying(64) NOT NULL, "user_id" uuid NOT NULL, "auth_time" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_f24743c8b4b8fd2be37e28b42c1" PRIMARY KEY ("id_hash"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_browser_sessions_user" ON "browser_sessions"("user_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_browser_sessions_expires" ON "browser_sessions"("expires_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "consents" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "client_id" character varying(128) NOT NULL, "scopes" text array NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_9efc68eb6aba7d638fb6ea034dd" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_consents_user_client" ON "consents"("user_id", "client_id")`,
    );
    await queryRunner.query(
      `CREATE TABLE "authorization_codes" ("code_hash" character varying(64) NOT NULL, "client_id" character varying(128) NOT NULL, "user_id" uuid NOT NULL, "redirect_uri" character varying(2000) NOT NULL, "redirect_uri_given" boolean NOT NULL, "scopes" text array NOT NULL, "nonce" character varying(2048), "code_challenge" character varying(128), "auth_time" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "consumed_at" TIMESTAMP WITH TIME ZONE, "access_token_jti" character varying(64), "access_token_expires_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_2e198275bb8a2fe00f554be97a3" PRIMARY KEY ("code_hash"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_authorization_codes_expires" ON "authorization_codes"("expires_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "revoked_access_tokens" ("jti" character varying(64) NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_340815421be58a8330570a1d6fb" PRIMARY KEY ("jti"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_revoked_access_tokens_expires" ON "revoked_access_tokens"("expires_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "refresh_tokens" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "token_hash" character varying(64) NOT NULL, "family_id" uuid NOT NULL, "client_id" character varying(128) NOT NULL, "user_id" uuid NOT NULL, "scopes" text array NOT NULL, "auth_time" TIMESTAMP WITH TIME ZONE NOT NULL, "code_hash" character varying(64), "access_token_jti" character varying(64) NOT NULL, "access_token_expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "idle_expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "rotated_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_7d8bee0204106019488c4c50ffa" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_refresh_tokens_hash" ON "refresh_tokens"("token_hash")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_refresh_tokens_family" ON "refresh_tokens"("family_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_refresh_tokens_client" ON "refresh_tokens"("client_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_refresh_tokens_user" ON "refresh_tokens"("user_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_refresh_tokens_code" ON "refresh_tokens"("code_hash")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_refresh_tokens_expires" ON "refresh_tokens"("expires_at")`,
    );
    await queryRunner.query(
      `ALTER TABLE "clients" ADD "post_logout_redirect_uris" text array NOT NULL DEFAULT '{}'`,
    );
    await queryRunner.query(
      `ALTER TABLE "clients" ADD "always_issue_refresh_token" boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(
      `ALTER TABLE "browser_sessions" ADD CONSTRAINT "FK_browser_sessions_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "consents" ADD CONSTRAINT "FK_consents_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "consents" ADD CONSTRAINT "FK_consents_client" FOREIGN KEY ("client_id") REFERENCES "clients"("client_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "authorization_codes" ADD CONSTRAINT "FK_authorization_codes_client" FOREIGN KEY ("client_id") REFERENCES "clients"("client_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "authorization_codes" ADD CONSTRAINT "FK_authorization_codes_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "refresh_tokens" ADD CONSTRAINT "FK_refresh_tokens_client" FOREIGN KEY ("client_id") REFERENCES "clients"("client_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "refresh_tokens" ADD CONSTRAINT "FK_refresh_tokens_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "refresh_tokens" DROP CONSTRAINT "FK_refresh_tokens_user"`,
    );
    await queryRunner.query(
      `ALTER TABLE "refresh_tokens" DROP CONSTRAINT "FK_refresh_tokens_client"`,
    );
    await queryRunner.query(
      `ALTER TABLE "authorization_codes" DROP CONSTRAINT "FK_authorization_codes_user"`,
    );
    await queryRunner.query(
      `ALTER TABLE "authorization_codes" DROP CONSTRAINT "FK_authorization_codes_client"`,
    );
    await queryRunner.query(`ALTER TABLE "consents" DROP CONSTRAINT "FK_consents_client"`);
    await queryRunner.query(`ALTER TABLE "consents" DROP CONSTRAINT "FK_consents_user"`);
    await queryRunner.query(
      `ALTER TABLE "browser_sessions" DROP CONSTRAINT "FK_browser_sessions_user"`,
    );
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "always_issue_refresh_token"`);
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "post_logout_redirect_uris"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_refresh_tokens_expires"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_refresh_tokens_code"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_refresh_tokens_user"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_refresh_tokens_client"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_refresh_tokens_family"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_refresh_tokens_hash"`);
    await queryRunner.query(`DROP TABLE "refresh_tokens"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_revoked_access_tokens_expires"`);
    await queryRunner.query(`DROP TABLE "revoked_access_tokens"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_authorization_codes_expires"`);
    await queryRunner.query(`DROP TABLE "authorization_codes"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_consents_user_client"`);
    await queryRunner.query(`DROP TABLE "consents"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_browser_sessions_expires"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_browser_sessions_user"`);
    await queryRunner.query(`DROP TABLE "browser_sessions"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_interactions_expires"`);
    await queryRunner.query(`DROP TABLE "interactions"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_users_username_normalized"`);
    await queryRunner.query(`DROP TABLE "users"`);
  }
}
