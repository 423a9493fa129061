import { Foundation1763900000000 } from './1763900000000-Foundation';
import { People1763900000001 } from './1763900000001-People';
import { Lifecycle1763900000002 } from './1763900000002-Lifecycle';
import { Access1763900000003 } from './1763900000003-Access';
import { KeySchedule1763900000140 } from './1763900000140-KeySchedule';
import { IdTokenAlgorithm1763900000141 } from './1763900000141-IdTokenAlgorithm';
import { PushedAuthorizationRequests1763900000150 } from './1763900000150-PushedAuthorizationRequests';
import { Dpop1763900000160 } from './1763900000160-Dpop';
import { ClientSecretJwt1763900000300 } from './1763900000300-ClientSecretJwt';
import { MutualTls1763900000400 } from './1763900000400-MutualTls';
import { DpopBinding1763900000410 } from './1763900000410-DpopBinding';
import { AccessConditions1763900000500 } from './1763900000500-AccessConditions';
import { Attributes1763900000510 } from './1763900000510-Attributes';
import { AccountLinks1763900001000 } from './1763900001000-AccountLinks';
import { AuthenticationMethods1763900002000 } from './1763900002000-AuthenticationMethods';
import { SecondFactors1763900002001 } from './1763900002001-SecondFactors';
import { Passkeys1763900003000 } from './1763900003000-Passkeys';
import { IdentityProviders1763900004000 } from './1763900004000-IdentityProviders';
import { UsersEmailIndex1763900005000 } from './1763900005000-UsersEmailIndex';
import { ConsoleSetupTokens1763900006000 } from './1763900006000-ConsoleSetupTokens';

/** Every migration, in order. New ones are appended here after `npm run migration:generate`. */
export const MIGRATIONS = [
  Foundation1763900000000,
  People1763900000001,
  Lifecycle1763900000002,
  Access1763900000003,
  KeySchedule1763900000140,
  IdTokenAlgorithm1763900000141,
  PushedAuthorizationRequests1763900000150,
  Dpop1763900000160,
  ClientSecretJwt1763900000300,
  MutualTls1763900000400,
  DpopBinding1763900000410,
  AccessConditions1763900000500,
  Attributes1763900000510,
  AccountLinks1763900001000,
  AuthenticationMethods1763900002000,
  SecondFactors1763900002001,
  Passkeys1763900003000,
  IdentityProviders1763900004000,
  UsersEmailIndex1763900005000,
  ConsoleSetupTokens1763900006000,
];
