import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { User, UserStatus } from './user';

// Constraint and index names match the migrations, so `migration:generate` finds no drift.
@Entity({ name: 'users' })
@Check('CHK_users_status', `"status" IN ('active', 'disabled')`)
// lower("email"), an expression TypeORM cannot declare: made by its migration, left alone here.
@Index('IDX_users_email_lower', { synchronize: false })
export class UserEntity implements User {
  /** The OIDC `sub`. */
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'username', type: 'varchar', length: 64 })
  username: string;

  /** lower(username): usernames are unique without regard to case. */
  @Index('IDX_users_username_normalized', { unique: true })
  @Column({ name: 'username_normalized', type: 'varchar', length: 64 })
  usernameNormalized: string;

  @Column({ name: 'email', type: 'varchar', length: 254, nullable: true })
  email: string | null;

  @Column({ name: 'email_verified', type: 'boolean', default: false })
  emailVerified: boolean;

  @Column({ name: 'password_hash', type: 'varchar', length: 100 })
  passwordHash: string;

  @Column({ name: 'name', type: 'varchar', length: 200, nullable: true })
  name: string | null;

  @Column({ name: 'given_name', type: 'varchar', length: 100, nullable: true })
  givenName: string | null;

  @Column({ name: 'family_name', type: 'varchar', length: 100, nullable: true })
  familyName: string | null;

  /** Admin-set (docs/access.md, Attributes). */
  @Column({ name: 'attributes', type: 'jsonb', default: () => "'{}'" })
  attributes: Record<string, unknown>;

  @Column({ name: 'status', type: 'varchar', length: 20, default: 'active' })
  status: UserStatus;

  /** Tokens issued before this instant are dead even if the user is active again (set on disable). */
  @Column({ name: 'tokens_valid_after', type: 'timestamptz', nullable: true })
  tokensValidAfter: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
