import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { isUniqueViolation } from '../../database/unique-violation';
import { ConflictError, NotFoundError, ValidationFailedError } from '../../common/api-error';
import { Page } from '../../common/pagination.dto';
import { ClientsService } from '../../clients/clients.service';
import { changedFields } from '../../events/audit-changes';
import { AuditContext, SYSTEM_AUDIT } from '../../events/audit-context';
import { AuditLog } from '../../events/audit-log.service';
import { ChangeBus } from '../../events/change-bus.service';
import { ChangeEvent } from '../../events/change-events';
import { AccessStateLoader } from '../engine/access-state.loader';
import { UsersService } from '../../users/users.service';
import { compile } from '../conditions/condition';
import { CreateRoleDto, RoleView, UpdateRoleDto } from './role.dto';
import { ClientRoleEntity, RoleEntity, UserRoleEntity } from './role.entities';

export function toRoleView(role: RoleEntity): RoleView {
  return {
    name: role.name,
    description: role.description,
    permissions: role.permissions,
    conditions: role.conditions,
    created_at: role.createdAt.toISOString(),
    updated_at: role.updatedAt.toISOString(),
  };
}

/** Roles and who holds them. Every change is announced so decisions follow within a second. */
@Injectable()
export class RolesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly bus: ChangeBus,
    private readonly loader: AccessStateLoader,
    private readonly audit: AuditLog,
    private readonly clients: ClientsService,
    private readonly users: UsersService,
  ) {}

  /** Announces a change to every process and waits until this one has applied it. */
  private async announce(event: ChangeEvent): Promise<void> {
    this.bus.publish(event);
    await this.loader.settled();
  }

  private get roles() {
    return this.dataSource.getRepository(RoleEntity);
  }

  async create(input: CreateRoleDto, context: AuditContext = SYSTEM_AUDIT): Promise<RoleEntity> {
    const conditions = checkedConditions(input.conditions ?? {}, input.permissions);
    try {
      await this.dataSource.transaction(async (manager) => {
        await manager.insert(RoleEntity, {
          name: input.name,
          description: input.description ?? null,
          permissions: input.permissions,
          conditions,
        });
        await this.audit.record(
          {
            ...context,
            type: 'role.created',
            target: { type: 'role', id: input.name },
            details: {
              permissions: input.permissions,
              ...(Object.keys(conditions).length > 0 ? { conditions } : {}),
            },
          },
          manager,
        );
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`the role ${input.name} exists`);
      throw error;
    }
    await this.announce({ type: 'roles.changed' });
    return this.get(input.name);
  }

  async list(limit: number, offset: number): Promise<Page<RoleEntity>> {
    const [items, total] = await this.roles.findAndCount({
      order: { name: 'ASC' },
      take: limit,
      skip: offset,
    });
    return { items, total };
  }

  async get(name: string): Promise<RoleEntity> {
    const role = await this.roles.findOne({ where: { name } });
    if (!role) throw new NotFoundError(`role ${name}`);
    return role;
  }

  async update(
    name: string,
    input: UpdateRoleDto,
    context: AuditContext = SYSTEM_AUDIT,
  ): Promise<RoleEntity> {
    await this.dataSource.transaction(async (manager) => {
      // Locked: a concurrent update waits, so the changed fields are those of this one.
      const role = await manager.findOne(RoleEntity, {
        where: { name },
        lock: { mode: 'for_no_key_update' },
      });
      if (!role) throw new NotFoundError(`role ${name}`);
      const before = definitionOf(role);
      if (input.description !== undefined) role.description = input.description;
      if (input.permissions !== undefined) role.permissions = input.permissions;
      if (input.conditions !== undefined) role.conditions = input.conditions;
      // Every condition must name a permission the role still grants, and compile.
      role.conditions = checkedConditions(role.conditions, role.permissions);
      await manager.save(role);
      const fields = changedFields(before, definitionOf(role));
      if (fields.length > 0) {
        await this.audit.record(
          {
            ...context,
            type: 'role.updated',
            target: { type: 'role', id: name },
            details: { fields },
          },
          manager,
        );
      }
    });
    await this.announce({ type: 'roles.changed' });
    return this.get(name);
  }

  async remove(name: string, context: AuditContext = SYSTEM_AUDIT): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const result = await manager.delete(RoleEntity, { name });
      if (!result.affected) throw new NotFoundError(`role ${name}`);
      await this.audit.record(
        { ...context, type: 'role.deleted', target: { type: 'role', id: name } },
        manager,
      );
    });
    // Its assignments went with it (ON DELETE CASCADE): every process forgets them too.
    await this.announce({ type: 'role.deleted', name });
  }

  /** Replaces a user's roles in one transaction. */
  async setUserRoles(
    userId: string,
    names: string[],
    context: AuditContext = SYSTEM_AUDIT,
  ): Promise<string[]> {
    await this.dataSource.transaction(async (manager) => {
      // Locked: concurrent replacements of this user's roles take turns, so each records
      // exactly what it added and removed.
      await this.users.lockForChange(manager, userId);
      await this.checkRolesExist(names, manager);
      const held = (await manager.findBy(UserRoleEntity, { userId })).map((row) => row.roleName);
      await manager.delete(UserRoleEntity, { userId });
      if (names.length > 0)
        await manager.insert(
          UserRoleEntity,
          names.map((roleName) => ({ userId, roleName })),
        );
      await this.recordRoleChange(manager, context, { type: 'user', id: userId }, held, names);
    });
    await this.announce({ type: 'subject_roles.changed', subjectType: 'user', subjectId: userId });
    return [...names].sort();
  }

  /** Replaces a client's roles in one transaction. */
  async setClientRoles(
    clientId: string,
    names: string[],
    context: AuditContext = SYSTEM_AUDIT,
  ): Promise<string[]> {
    await this.dataSource.transaction(async (manager) => {
      // Locked as in setUserRoles.
      await this.clients.lockForChange(manager, clientId);
      await this.checkRolesExist(names, manager);
      const held = (await manager.findBy(ClientRoleEntity, { clientId })).map(
        (row) => row.roleName,
      );
      await manager.delete(ClientRoleEntity, { clientId });
      if (names.length > 0)
        await manager.insert(
          ClientRoleEntity,
          names.map((roleName) => ({ clientId, roleName })),
        );
      await this.recordRoleChange(manager, context, { type: 'client', id: clientId }, held, names);
    });
    await this.announce({
      type: 'subject_roles.changed',
      subjectType: 'client',
      subjectId: clientId,
    });
    return [...names].sort();
  }

  /**
   * In the caller's transaction: the role `name` exists and holds at least `permissions` (added
   * to what it holds, never taken away), and the user holds it. Nothing is announced: the caller
   * does that once committed (`announceGrant`). Whether anything changed.
   */
  async grantWithin(
    manager: EntityManager,
    role: { name: string; description: string; permissions: string[] },
    userId: string,
    context: AuditContext,
  ): Promise<boolean> {
    let changed = false;
    const existing = await manager.findOne(RoleEntity, {
      where: { name: role.name },
      lock: { mode: 'for_no_key_update' },
    });
    if (!existing) {
      await manager.insert(RoleEntity, {
        name: role.name,
        description: role.description,
        permissions: role.permissions,
        conditions: {},
      });
      await this.audit.record(
        {
          ...context,
          type: 'role.created',
          target: { type: 'role', id: role.name },
          details: { permissions: role.permissions },
        },
        manager,
      );
      changed = true;
    } else {
      const missing = role.permissions.filter((p) => !existing.permissions.includes(p));
      if (missing.length > 0) {
        existing.permissions = [...existing.permissions, ...missing];
        await manager.save(existing);
        await this.audit.record(
          {
            ...context,
            type: 'role.updated',
            target: { type: 'role', id: role.name },
            details: { fields: ['permissions'] },
          },
          manager,
        );
        changed = true;
      }
    }
    const held = await manager.findOneBy(UserRoleEntity, { userId, roleName: role.name });
    if (!held) {
      await manager.insert(UserRoleEntity, { userId, roleName: role.name });
      await this.recordRoleChange(manager, context, { type: 'user', id: userId }, [], [role.name]);
      changed = true;
    }
    return changed;
  }

  /** After `grantWithin` committed: every process sees the role and who holds it. */
  async announceGrant(userId: string): Promise<void> {
    this.bus.publish({ type: 'roles.changed' });
    await this.announce({ type: 'subject_roles.changed', subjectType: 'user', subjectId: userId });
  }

  /** Whether the user holds the role `name`, in the caller's transaction. */
  async userHolds(manager: EntityManager, userId: string, name: string): Promise<boolean> {
    return (await manager.findOneBy(UserRoleEntity, { userId, roleName: name })) !== null;
  }

  /** Whether some person holds `permission` through a role, in the caller's transaction. */
  async someUserHolds(manager: EntityManager, permission: string): Promise<boolean> {
    const found = await manager
      .createQueryBuilder(UserRoleEntity, 'held')
      .innerJoin(RoleEntity, 'role', 'role.name = held.role_name')
      .where(':permission = ANY(role.permissions)', { permission })
      .getCount();
    return found > 0;
  }

  /**
   * `<kind>.roles_changed` with the role names added and removed, in the caller's transaction;
   * nothing when the subject holds the same roles as before.
   */
  private async recordRoleChange(
    manager: EntityManager,
    context: AuditContext,
    target: { type: 'user' | 'client'; id: string },
    held: string[],
    names: string[],
  ): Promise<void> {
    const added = names.filter((name) => !held.includes(name)).sort();
    const removed = held.filter((name) => !names.includes(name)).sort();
    if (added.length === 0 && removed.length === 0) return;
    await this.audit.record(
      { ...context, type: `${target.type}.roles_changed`, target, details: { added, removed } },
      manager,
    );
  }

  private async checkRolesExist(names: string[], manager: EntityManager): Promise<void> {
    if (names.length === 0) return;
    const found = new Set(
      (await manager.find(RoleEntity, { where: { name: In(names) } })).map((role) => role.name),
    );
    const problems = names.flatMap((name, i) =>
      found.has(name) ? [] : [{ field: `roles[${i}]`, problem: `no role named ${name}` }],
    );
    if (problems.length > 0) throw new ValidationFailedError(problems);
  }
}

/** The fields an update may change, to tell which ones it did. */
function definitionOf(
  role: RoleEntity,
): Pick<RoleEntity, 'description' | 'permissions' | 'conditions'> {
  return {
    description: role.description,
    permissions: role.permissions,
    conditions: role.conditions,
  };
}

/**
 * A role's conditions, each on a permission the role grants and each compiling (docs/access.md,
 * "Conditions"); otherwise 400 naming the permission and the position of the problem.
 */
function checkedConditions(
  conditions: Record<string, unknown>,
  permissions: string[],
): Record<string, string> {
  const problems = Object.entries(conditions).flatMap(([permission, source]) => {
    const field = `conditions.${permission}`;
    if (!permissions.includes(permission)) {
      return [{ field, problem: 'must be a permission the role grants' }];
    }
    if (typeof source !== 'string') return [{ field, problem: 'must be a string' }];
    const compiled = compile(source);
    return compiled.ok ? [] : [{ field, problem: compiled.problem.message }];
  });
  if (problems.length > 0) throw new ValidationFailedError(problems);
  return conditions as Record<string, string>;
}
