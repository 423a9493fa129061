import { MigrationInterface, QueryRunner } from 'typeorm';

/** Roles and their permissions, role assignments of users and clients, and gateway route rules. */
export class Access1763900000003 implements MigrationInterface {
  name = 'Access1763900000003';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "access_rules" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "methods" text array NOT NULL DEFAULT '{}', "path" character varying(1000) NOT NULL, "permission" character varying(200), "scopes" text array NOT NULL DEFAULT '{}', "audience" character varying(2000), "anonymous" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_c5d8baea0602bafacd902bb4660" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "roles" ("name" character varying(100) NOT NULL, "description" character varying(500), "permissions" text array NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_648e3f5447f725579d7d4ffdfb7" PRIMARY KEY ("name"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "user_roles" ("user_id" uuid NOT NULL, "role_name" character varying(100) NOT NULL, CONSTRAINT "PK_c8d9ca75dfb1ebc8e57ab2cf799" PRIMARY KEY ("user_id", "role_name"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_user_roles_role" ON "user_roles"("role_name")`);
    await queryRunner.query(
      `CREATE TABLE "client_roles" ("client_id" character varying(128) NOT NULL, "role_name" character varying(100) NOT NULL, CONSTRAINT "PK_6155e9f0e52d1ecbab29b51e49f" PRIMARY KEY ("client_id", "role_name"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_client_roles_role" ON "client_roles"("role_name")`);
    await queryRunner.query(
      `ALTER TABLE "user_roles" ADD CONSTRAINT "FK_user_roles_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "user_roles" ADD CONSTRAINT "FK_user_roles_role" FOREIGN KEY ("role_name") REFERENCES "roles"("name") ON DELETE CASCADE ON UPDATE CASCADE`,
    );
    await queryRunner.query(
      `ALTER TABLE "client_roles" ADD CONSTRAINT "FK_client_roles_client" FOREIGN KEY ("client_id") REFERENCES "clients"("client_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "client_roles" ADD CONSTRAINT "FK_client_roles_role" FOREIGN KEY ("role_name") REFERENCES "roles"("name") ON DELETE CASCADE ON UPDATE CASCADE`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "client_roles" DROP CONSTRAINT "FK_client_roles_role"`);
    await queryRunner.query(`ALTER TABLE "client_roles" DROP CONSTRAINT "FK_client_roles_client"`);
    await queryRunner.query(`ALTER TABLE "user_roles" DROP CONSTRAINT "FK_user_roles_role"`);
    await queryRunner.query(`ALTER TABLE "user_roles" DROP CONSTRAINT "FK_user_roles_user"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_client_roles_role"`);
    await queryRunner.query(`DROP TABLE "client_roles"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_user_roles_role"`);
    await queryRunner.query(`DROP TABLE "user_roles"`);
    await queryRunner.query(`DROP TABLE "roles"`);
    await queryRunner.query(`DROP TABLE "access_rules"`);
  }
}
