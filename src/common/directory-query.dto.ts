import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length } from 'class-validator';
import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { Page, PaginationQuery } from './pagination.dto';

/** Active or disabled: what a client or user list can be narrowed to. */
export const DIRECTORY_STATUSES = ['active', 'disabled'] as const;
export type DirectoryStatus = (typeof DIRECTORY_STATUSES)[number];

/**
 * `GET /admin/clients` and `GET /admin/users` (docs/endpoints.md, Admin API): a page, narrowed
 * by a search text and a status, both optional and combined with AND.
 */
export class DirectoryQuery extends PaginationQuery {
  @ApiPropertyOptional({
    example: 'billing',
    minLength: 1,
    maxLength: 200,
    description:
      'Case-insensitive substring of the names (clients: client_id or client_name; users: ' +
      'username, email or name); % _ and \\ match themselves',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  // A NUL (which PostgreSQL text cannot hold) is refused before this, with every query string
  // (src/common/http/strict-form.ts).
  q?: string;

  @ApiPropertyOptional({ enum: DIRECTORY_STATUSES })
  @IsOptional()
  @IsIn(DIRECTORY_STATUSES)
  status?: DirectoryStatus;
}

/** What a list is narrowed to (the query, less its paging). */
export interface DirectoryFilter {
  q?: string;
  status?: DirectoryStatus;
}

/**
 * `q` as an ILIKE pattern matching it anywhere, its LIKE wildcards (`%`, `_`) and the escape
 * character (`\`) escaped so that they match themselves (use with `ESCAPE '\'`).
 */
export function containsPattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/**
 * One page of `query` (a table's rows, aliased) in creation order, narrowed by `filter`: `q` a
 * case-insensitive substring of any of the `searched` properties (matched literally), `status`
 * exactly; with the total of all that match, for X-Total-Count.
 */
export async function directoryPage<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  searched: readonly string[],
  filter: DirectoryFilter,
  limit: number,
  offset: number,
): Promise<Page<T>> {
  const alias = query.alias;
  if (filter.q !== undefined) {
    const matches = searched.map((property) => `${alias}.${property} ILIKE :pattern ESCAPE '\\'`);
    query.andWhere(`(${matches.join(' OR ')})`, { pattern: containsPattern(filter.q) });
  }
  if (filter.status !== undefined)
    query.andWhere(`${alias}.status = :status`, { status: filter.status });
  const [items, total] = await query
    .orderBy(`${alias}.createdAt`, 'ASC')
    .addOrderBy(`${alias}.id`, 'ASC')
    .take(limit)
    .skip(offset)
    .getManyAndCount();
  return { items, total };
}
