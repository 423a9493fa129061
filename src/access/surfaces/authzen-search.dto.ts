import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IgnoresUnknownMembers } from '../../common/validation';
import { AuthzenAction, AuthzenResource, AuthzenSubject } from './authzen.dto';

/**
 * OpenID AuthZEN Authorization API 1.0 §8 search request bodies (docs/authzen.md, "Search").
 * Same rules as the evaluation bodies: required members are a 400 naming the field, unknown
 * members are ignored at every depth (§10.1.1).
 */

/** At most this many results in one page; also the page size when the PEP names none. */
export const SEARCH_MAX_LIMIT = 100;
export const SEARCH_DEFAULT_LIMIT = 50;
/** Gatehouse's own page tokens are far shorter: anything longer is not one of them. */
export const SEARCH_TOKEN_MAX_LENGTH = 512;

function NestedObject(type: new () => object, { optional = false } = {}): PropertyDecorator {
  return applyDecorators(
    ...(optional ? [ApiPropertyOptional({ type }), IsOptional()] : [ApiProperty({ type })]),
    IsObject(),
    ValidateNested(),
    Type(() => type),
  );
}

/** §8 (paginated requests): `token` from a previous `next_token`, `limit` the page size. */
export class SearchPage {
  @ApiPropertyOptional({ description: 'page.next_token of the previous answer' })
  @IsOptional()
  @IsString()
  @MaxLength(SEARCH_TOKEN_MAX_LENGTH)
  token?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: SEARCH_MAX_LIMIT, default: SEARCH_DEFAULT_LIMIT })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(SEARCH_MAX_LIMIT)
  limit?: number;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  properties?: Record<string, unknown>;
}

/** Subject search: the subject's type is required, its id, if any, ignored. */
export class SearchedSubject {
  @ApiProperty({ enum: ['user', 'client'] })
  @IsIn(['user', 'client'])
  type: 'user' | 'client';

  @ApiPropertyOptional({ description: 'Ignored (AuthZEN 1.0 §8)' })
  @IsOptional()
  @IsString()
  id?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  properties?: Record<string, unknown>;
}

class SearchBody {
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  context?: Record<string, unknown>;

  @NestedObject(SearchPage, { optional: true })
  page?: SearchPage;
}

@IgnoresUnknownMembers()
export class SubjectSearchRequest extends SearchBody {
  @NestedObject(SearchedSubject)
  subject: SearchedSubject;

  @NestedObject(AuthzenAction)
  action: AuthzenAction;

  @NestedObject(AuthzenResource)
  resource: AuthzenResource;
}

@IgnoresUnknownMembers()
export class ActionSearchRequest extends SearchBody {
  @NestedObject(AuthzenSubject)
  subject: AuthzenSubject;

  @NestedObject(AuthzenResource)
  resource: AuthzenResource;
}

/** §8 (paginated responses): `next_token` is empty on the last page. */
export interface SearchPageAnswer {
  next_token: string;
  count: number;
  total: number;
}

export interface SearchAnswer<T> {
  results: T[];
  page: SearchPageAnswer;
}
