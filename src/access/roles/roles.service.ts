import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, QueryFailedError } from 'typeorm';
import { ConflictError, NotFoundError, ValidationFailedError } from '../../common/api-error';
import { Page } from '../../common/pagination.dto';
import { ClientEntity } from '../../clients/client.entity';
import { ChangeBus } from '../../events/change-bus.service';
import { ChangeEvent } from '../../events/change-events';
import { AccessStateLoader } from '../engine/access-state.loader';
import { UserEntity } from '../../users/user.entity';
import { CreateRoleDto, RoleView, UpdateRoleDto } from './role.dto';
import { ClientRoleEntity, RoleEntity, UserRoleEntity } from './role.entities';

export function toRoleView(role: RoleEntity): RoleView {
  return {
    name: role.name,
    description: role.description,
    permissions: role.permissions,
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
  ) {}

  /** Announces a change to every process and waits until this one has applied it. */
  private async announce(event: ChangeEvent): Promise<void> {
    this.bus.publish(event);
    await this.loader.settled();
  }

  private get roles() {
    return this.dataSource.getRepository(RoleEntity);
  }

  async create(input: CreateRoleDto): Promise<RoleEntity> {
    try {
      await this.roles.insert({
        name: input.name,
        description: input.description ?? null,
        permissions: input.permissions,
      });
    } catch (error) {
      if (
        error instanceof QueryFailedError &&
        (error.driverError as { code?: string }).code === '23505'
      ) {
        throw new ConflictError(`the role ${input.name} exists`);
      }
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

  async update(name: string, input: UpdateRoleDto): Promise<RoleEntity> {
    const role = await this.get(name);
    if (input.description !== undefined) role.description = input.description;
    if (input.permissions !== undefined) role.permissions = input.permissions;
    await this.roles.save(role);
    await this.announce({ type: 'roles.changed' });
    return this.get(name);
  }

  async remove(name: string): Promise<void> {
    const result = await this.roles.delete({ name });
    if (!result.affected) throw new NotFoundError(`role ${name}`);
    await this.announce({ type: 'roles.changed' });
  }

  /** Replaces a user's roles in one transaction. */
  async setUserRoles(userId: string, names: string[]): Promise<string[]> {
    await this.dataSource.transaction(async (manager) => {
      const user = /^[0-9a-f-]{36}$/i.test(userId)
        ? await manager.findOneBy(UserEntity, { id: userId })
        : null;
      if (!user) throw new NotFoundError(`user ${userId}`);
      await this.checkRolesExist(names, manager);
      await manager.delete(UserRoleEntity, { userId });
      if (names.length > 0)
        await manager.insert(
          UserRoleEntity,
          names.map((roleName) => ({ userId, roleName })),
        );
    });
    await this.announce({ type: 'subject_roles.changed', subjectType: 'user', subjectId: userId });
    return [...names].sort();
  }

  /** Replaces a client's roles in one transaction. */
  async setClientRoles(clientId: string, names: string[]): Promise<string[]> {
    await this.dataSource.transaction(async (manager) => {
      if (!(await manager.findOneBy(ClientEntity, { clientId })))
        throw new NotFoundError(`client ${clientId}`);
      await this.checkRolesExist(names, manager);
      await manager.delete(ClientRoleEntity, { clientId });
      if (names.length > 0)
        await manager.insert(
          ClientRoleEntity,
          names.map((roleName) => ({ clientId, roleName })),
        );
    });
    await this.announce({
      type: 'subject_roles.changed',
      subjectType: 'client',
      subjectId: clientId,
    });
    return [...names].sort();
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
