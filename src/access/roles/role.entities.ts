import {
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';

/** A named bundle of permissions (`resource:action`). */
@Entity({ name: 'roles' })
export class RoleEntity {
  @PrimaryColumn({ name: 'name', type: 'varchar', length: 100 })
  name: string;

  @Column({ name: 'description', type: 'varchar', length: 500, nullable: true })
  description: string | null;

  @Column({ name: 'permissions', type: 'text', array: true, default: () => "'{}'" })
  permissions: string[];

  /** A CEL condition per permission (docs/access.md, "Conditions"); absent: unconditioned. */
  @Column({ name: 'conditions', type: 'jsonb', default: () => "'{}'" })
  conditions: Record<string, string>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

// A foreign key to another module's table names the table, as its migration does, rather than
// importing that module's entity; `migration:generate` still sees it, so finds no drift.
@Entity({ name: 'user_roles' })
export class UserRoleEntity {
  @ForeignKey('users', { name: 'FK_user_roles_user', onDelete: 'CASCADE' })
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Index('IDX_user_roles_role')
  @ForeignKey(() => RoleEntity, {
    name: 'FK_user_roles_role',
    onDelete: 'CASCADE',
    onUpdate: 'CASCADE',
  })
  @PrimaryColumn({ name: 'role_name', type: 'varchar', length: 100 })
  roleName: string;
}

@Entity({ name: 'client_roles' })
export class ClientRoleEntity {
  @ForeignKey('clients', 'client_id', {
    name: 'FK_client_roles_client',
    onDelete: 'CASCADE',
  })
  @PrimaryColumn({ name: 'client_id', type: 'varchar', length: 128 })
  clientId: string;

  @Index('IDX_client_roles_role')
  @ForeignKey(() => RoleEntity, {
    name: 'FK_client_roles_role',
    onDelete: 'CASCADE',
    onUpdate: 'CASCADE',
  })
  @PrimaryColumn({ name: 'role_name', type: 'varchar', length: 100 })
  roleName: string;
}
