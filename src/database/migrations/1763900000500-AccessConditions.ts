import { MigrationInterface, QueryRunner } from 'typeorm';

/** A gateway rule's CEL condition (docs/access.md, "Conditions"). */
export class AccessConditions1763900000500 implements MigrationInterface {
  name = 'AccessConditions1763900000500';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "access_rules" ADD "condition" character varying(2048)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "access_rules" DROP COLUMN "condition"`);
  }
}
