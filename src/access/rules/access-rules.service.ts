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
import { AccessRuleView, CreateAccessRuleDto } from './access-rule.dto';
import { AccessRuleEntity } from './access-rule.entity';
import { pathPatternProblem } from './route-matcher';

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
    const problem = pathPatternProblem(input.path);
    if (problem) throw new ValidationFailedError([{ field: 'path', problem }]);
    if (input.anonymous && (input.permission || input.scopes?.length)) {
      throw new ValidationFailedError([
        {
          field: 'anonymous',
          problem: 'an anonymous rule cannot also require a permission or scopes',
        },
      ]);
    }
    if (input.condition !== undefined) {
      if (input.anonymous) {
        throw new ValidationFailedError([
          { field: 'condition', problem: 'an anonymous rule has no subject to judge' },
        ]);
      }
      const compiled = compile(input.condition);
      if (!compiled.ok) {
        throw new ValidationFailedError([
          { field: 'condition', problem: compiled.problem.message },
        ]);
      }
    }
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

  async list(limit: number, offset: number): Promise<Page<AccessRuleEntity>> {
    const [items, total] = await this.rules.findAndCount({
      order: { createdAt: 'ASC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
    return { items, total };
  }

  async remove(id: string, context: AuditContext = SYSTEM_AUDIT): Promise<void> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFoundError(`access rule ${id}`);
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
