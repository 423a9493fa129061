import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Token lifecycle: the audit log, used client-assertion `jti`s (RFC 7523 replay protection), the
 * previous client secret kept through a rotation grace period, and `tokens_valid_after` on
 * clients and users (tokens issued before a disable stay dead). Generated from the entities.
 */
export class Lifecycle1763900000002 implements MigrationInterface {
  name = 'Lifecycle1763900000002';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "client_assertion_jtis" ("client_id" character varying(128) NOT NULL, "jti" character varying(256) NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_91b1cfc1fb21f7f1eb632c0321c" PRIMARY KEY ("client_id", "jti"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_client_assertion_jtis_expires" ON "client_assertion_jtis"("expires_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "audit_events" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "type" character varying(64) NOT NULL, "outcome" character varying(16) NOT NULL DEFAULT 'success', "actor_type" character varying(16) NOT NULL, "actor_id" character varying(128), "target_type" character varying(32), "target_id" character varying(128), "ip" character varying(64), "user_agent" character varying(512), "details" jsonb NOT NULL DEFAULT '{}', CONSTRAINT "PK_910f64d901a5c3e9878f0d4a407" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_audit_events_time" ON "audit_events"("occurred_at")`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_audit_events_actor" ON "audit_events"("actor_id")`);
    await queryRunner.query(
      `CREATE INDEX "IDX_audit_events_target" ON "audit_events"("target_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_audit_events_type_time" ON "audit_events"("type", "occurred_at")`,
    );
    await queryRunner.query(
      `ALTER TABLE "clients" ADD "previous_secret_hash" character varying(100)`,
    );
    await queryRunner.query(
      `ALTER TABLE "clients" ADD "previous_secret_expires_at" TIMESTAMP WITH TIME ZONE`,
    );
    await queryRunner.query(
      `ALTER TABLE "clients" ADD "tokens_valid_after" TIMESTAMP WITH TIME ZONE`,
    );
    await queryRunner.query(
      `ALTER TABLE "users" ADD "tokens_valid_after" TIMESTAMP WITH TIME ZONE`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "tokens_valid_after"`);
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "tokens_valid_after"`);
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "previous_secret_expires_at"`);
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "previous_secret_hash"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_audit_events_type_time"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_audit_events_target"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_audit_events_actor"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_audit_events_time"`);
    await queryRunner.query(`DROP TABLE "audit_events"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_client_assertion_jtis_expires"`);
    await queryRunner.query(`DROP TABLE "client_assertion_jtis"`);
  }
}
