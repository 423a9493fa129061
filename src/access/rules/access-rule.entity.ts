import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A gateway route rule (docs/access.md): which requests need what. */
@Entity({ name: 'access_rules' })
export class AccessRuleEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** HTTP methods, upper case; empty means any. */
  @Column({ name: 'methods', type: 'text', array: true, default: () => "'{}'" })
  methods: string[];

  /** `/invoices/**`: `*` one segment, `**` any number. */
  @Column({ name: 'path', type: 'varchar', length: 1000 })
  path: string;

  @Column({ name: 'permission', type: 'varchar', length: 200, nullable: true })
  permission: string | null;

  @Column({ name: 'scopes', type: 'text', array: true, default: () => "'{}'" })
  scopes: string[];

  @Column({ name: 'audience', type: 'varchar', length: 2000, nullable: true })
  audience: string | null;

  /** Let requests through without a token. */
  @Column({ name: 'anonymous', type: 'boolean', default: false })
  anonymous: boolean;

  /** A CEL condition (docs/access.md, "Conditions"), type-checked when saved. */
  @Column({ name: 'condition', type: 'varchar', length: 2048, nullable: true })
  condition: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
