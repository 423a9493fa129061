import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signing keys get the instant from which they sign: a rotated-in key is published in /jwks
 * first and signs only from then on. Keys that exist already have signed since they were made.
 */
export class KeySchedule1763900000140 implements MigrationInterface {
  name = 'KeySchedule1763900000140';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "signing_keys" ADD "signs_from" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()`,
    );
    await queryRunner.query(`UPDATE "signing_keys" SET "signs_from" = "created_at"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "signing_keys" DROP COLUMN "signs_from"`);
  }
}
