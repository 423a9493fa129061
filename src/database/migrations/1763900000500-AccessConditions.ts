import { MigrationInterface, QueryRunner } from 'typeorm';

/** CEL conditions (docs/access.md, "Conditions"): a gateway rule's, and a role's per permission. */
export class AccessConditions1763900000500 implements MigrationInterface {
  name = 'AccessConditions1763900000500';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "access_rules" ADD "condition" character varying(2048)`);
    await queryRunner.query(`ALTER TABLE "roles" ADD "conditions" jsonb NOT NULL DEFAULT '{}'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "roles" DROP COLUMN "conditions"`);
    await queryRunner.query(`ALTER TABLE "access_rules" DROP COLUMN "condition"`);
  }
}
