import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';

export class RotateKeysDto {
  @ApiPropertyOptional({
    default: false,
    description:
      'For a compromised key: the new keys sign at once, and every older key leaves /jwks and ' +
      'stops verifying, so every token signed before the rotation is rejected',
  })
  @IsOptional()
  @IsBoolean()
  immediate?: boolean;
}
