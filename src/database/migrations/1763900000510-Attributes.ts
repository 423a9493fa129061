import { MigrationInterface, QueryRunner } from 'typeorm';

/** Admin-set attributes of users and clients (docs/access.md, Attributes). */
export class Attributes1763900000510 implements MigrationInterface {
  name = 'Attributes1763900000510';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "attributes" jsonb NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`ALTER TABLE "clients" ADD "attributes" jsonb NOT NULL DEFAULT '{}'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "clients" DROP COLUMN "attributes"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "attributes"`);
  }
}
