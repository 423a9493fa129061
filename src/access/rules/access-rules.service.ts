import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { NotFoundError, ValidationFailedError } from '../../common/api-error';
import { Page } from '../../common/pagination.dto';
import { ChangeBus } from '../../events/change-bus.service';
import { AccessStateLoader } from '../engine/access-state.loader';
import { AccessRuleView, CreateAccessRuleDto } from './access-rule.dto';
import { AccessRuleEntity } from './access-rule.entity';
import { pathPatternProblem } from './route-matcher';

export function toAccessRuleView(rule: AccessRuleEntity): AccessRuleView {
  return {
    id: rule.id,
    methods: rule.methods,
    path: rule.path,
    permission: rule.permission,
    scopes: rule.scopes,
    audience: rule.audience,
    anonymous: rule.anonymous,
    created_at: rule.createdAt.toISOString(),
  };
}

/** Gateway route rules (CONTRACT §4); every change is announced to the decision engines. */
@Injectable()
export class AccessRulesService {
  constructor(
    @InjectRepository(AccessRuleEntity) private readonly rules: Repository<AccessRuleEntity>,
    private readonly bus: ChangeBus,
    private readonly loader: AccessStateLoader,
  ) {}

  /** Announces the change to every process and waits until this one has applied it. */
  private async announce(): Promise<void> {
    this.bus.publish({ type: 'rules.changed' });
    await this.loader.settled();
  }

  async create(input: CreateAccessRuleDto): Promise<AccessRuleEntity> {
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
    const saved = await this.rules.save(
      this.rules.create({
        methods: input.methods ?? [],
        path: input.path,
        permission: input.permission ?? null,
        scopes: input.scopes ?? [],
        audience: input.audience ?? null,
        anonymous: input.anonymous ?? false,
      }),
    );
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

  async remove(id: string): Promise<void> {
    const result = /^[0-9a-f-]{36}$/i.test(id) ? await this.rules.delete({ id }) : { affected: 0 };
    if (!result.affected) throw new NotFoundError(`access rule ${id}`);
    await this.announce();
  }
}
