import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { FastifyReply } from 'fastify';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { FindOptionsOrder, ObjectLiteral, Repository } from 'typeorm';

export class PaginationQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit: number = 50;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset: number = 0;
}

export interface Page<T> {
  items: T[];
  total: number;
}

/** One page of a table in creation order, with the total for X-Total-Count. */
export async function paginate<T extends ObjectLiteral & { createdAt: Date; id: string }>(
  repository: Repository<T>,
  limit: number,
  offset: number,
): Promise<Page<T>> {
  const [items, total] = await repository.findAndCount({
    order: { createdAt: 'ASC', id: 'ASC' } as FindOptionsOrder<T>,
    take: limit,
    skip: offset,
  });
  return { items, total };
}

/**
 * A page as the list routes answer it (docs/endpoints.md, Admin API): its items through `view` as the body, and
 * the number of all matching items in X-Total-Count.
 */
export function pageAnswer<T, V>(
  reply: FastifyReply,
  { items, total }: Page<T>,
  view: (item: T) => V,
): V[] {
  void reply.header('x-total-count', String(total));
  return items.map(view);
}
