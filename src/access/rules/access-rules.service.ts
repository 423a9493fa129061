import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { NotFoundError, ValidationFailedError } from '../../common/api-error';
import { Page } from '../../common/pagination.dto';
import { AuditContext, SYSTEM_AUDIT } from '../../events/audit-context';
import { AuditLog } from '../../events/audit-log.service';
import { ChangeBus } from '../../events/change-bus.service';
import { compile } from '../conditions/condition';
import { AccessStateLoader } from '../engine/access-state.loader';
import { AccessRuleView, CreateAccessRuleDto, UpdateAccessRuleDto } from './access-rule.dto';
import { AccessRuleEntity } from './access-rule.entity';
import { pathPatternProblem } from './route-matcher';
import { isUuidShaped } from '../../common/uuid';

/** What a rule says, as the API names it (no secrets: it goes into the audit log too). */
function definitionOf(rule: AccessRuleEntity) {
  return {
    methods: rule.methods,
    path: rule.path,
    permission: rule.permission,
    scopes: rule.scopes,
    audience: rule.audience,
    anonymous: rule.anonymous,
    condition: rule.condition,
  };
}

export function toAccessRuleView(rule: AccessRuleEntity): AccessRuleView {
  return { id: rule.id, ...definitionOf(rule), created_at: rule.createdAt.toISOString() };
}

type Definition = ReturnType<typeof definitionOf>;

/**
 * The checks a rule's definition must pass beyond its fields' own syntax, the same for a new
 * rule and a changed one: a 400 naming the field.
 */
function assertDefinition(rule: Definition): void {
  const problem = pathPatternProblem(rule.path);
  if (problem) throw new ValidationFailedError([{ field: 'path', problem }]);
  if (rule.anonymous && (rule.permission || rule.scopes.length)) {
    throw new ValidationFailedError([
      {
        field: 'anonymous',
        problem: 'an anonymous rule cannot also require a permission or scopes',
      },
    ]);
  }
  if (rule.condition !== null) {
    if (rule.anonymous) {
      throw new ValidationFailedError([
        { field: 'condition', problem: 'an anonymous rule has no subject to judge' },
      ]);
    }
    const compiled = compile(rule.condition);
    if (!compiled.ok) {
      throw new ValidationFailedError([{ field: 'condition', problem: compiled.problem.message }]);
    }
  }
}

/** Gateway route rules (docs/access.md); every change is announced to the decision engines. */
@Injectable()
export class AccessRulesService {
  constructor(
    @InjectRepository(AccessRuleEntity) private readonly rules: Repository<AccessRuleEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly bus: ChangeBus,
    private readonly loader: AccessStateLoader,
    private readonly audit: AuditLog,
  ) {}

  /** Announces the change to every process and waits until this one has applied it. */
  private async announce(): Promise<void> {
    this.bus.publish({ type: 'rules.changed' });
    await this.loader.settled();
  }

  async create(
    input: CreateAccessRuleDto,
    context: AuditContext = SYSTEM_AUDIT,
  ): Promise<AccessRuleEntity> {
    assertDefinition({
      methods: input.methods ?? [],
      path: input.path,
      permission: input.permission ?? null,
      scopes: input.scopes ?? [],
      audience: input.audience ?? null,
      anonymous: input.anonymous ?? false,
      condition: input.condition ?? null,
    });
    const saved = await this.dataSource.transaction(async (manager) => {
      const rule = await manager.save(
        this.rules.create({
          methods: input.methods ?? [],
          path: input.path,
          permission: input.permission ?? null,
          scopes: input.scopes ?? [],
          audience: input.audience ?? null,
          anonymous: input.anonymous ?? false,
          condition: input.condition ?? null,
        }),
      );
      // What the rule asks for: none of it is secret, and an id alone says nothing.
      await this.audit.record(
        {
          ...context,
          type: 'access_rule.created',
          target: { type: 'access_rule', id: rule.id },
          details: definitionOf(rule),
        },
        manager,
      );
      return rule;
    });
    await this.announce();
    return saved;
  }

  /**
   * Changes the fields `input` names (null clears one) and checks the result as `create` checks
   * a new rule; audited with the rule's definition before and after.
   */
  async update(
    id: string,
    input: UpdateAccessRuleDto,
    context: AuditContext = SYSTEM_AUDIT,
  ): Promise<AccessRuleEntity> {
    if (!isUuidShaped(id)) throw new NotFoundError(`access rule ${id}`);
    const saved = await this.dataSource.transaction(async (manager) => {
      const rule = await manager.findOne(AccessRuleEntity, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!rule) throw new NotFoundError(`access rule ${id}`);
      const before = definitionOf(rule);
      const next: Definition = {
        methods: input.methods === undefined ? before.methods : (input.methods ?? []),
        path: input.path ?? before.path,
        permission: input.permission === undefined ? before.permission : input.permission,
        scopes: input.scopes === undefined ? before.scopes : (input.scopes ?? []),
        audience: input.audience === undefined ? before.audience : input.audience,
        anonymous: input.anonymous ?? before.anonymous,
        condition: input.condition === undefined ? before.condition : input.condition,
      };
      assertDefinition(next);
      Object.assign(rule, next);
      const updated = await manager.save(rule);
      await this.audit.record(
        {
          ...context,
          type: 'access_rule.updated',
          target: { type: 'access_rule', id },
          details: { before, after: definitionOf(updated) },
        },
        manager,
      );
      return updated;
    });
    await this.announce();
    return saved;
  }

  async list(limit: number, offset: number): Promise<Page<AccessRuleEntity>> {
    const [items, total] = await this.rules.findAndCount({
      order: { createdAt: 'ASC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
    return { items, total };
  }

  async remove(id: string, context: AuditContext = SYSTEM_AUDIT): Promise<void> {
    if (!isUuidShaped(id)) throw new NotFoundError(`access rule ${id}`);
    await this.dataSource.transaction(async (manager) => {
      const result = await manager.delete(AccessRuleEntity, { id });
      if (!result.affected) throw new NotFoundError(`access rule ${id}`);
      await this.audit.record(
        { ...context, type: 'access_rule.deleted', target: { type: 'access_rule', id } },
        manager,
      );
    });
    await this.announce();
  }
}
