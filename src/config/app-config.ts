import { AccessTokenAlgorithm, RegistrationMode } from './environment';

/** The validated, typed configuration every module reads (injected as `AppConfig`). */
export abstract class AppConfig {
  abstract readonly port: number;
  abstract readonly host: string;
  /** Used verbatim in discovery and in every token's `iss`. */
  abstract readonly issuer: string;
  abstract readonly database: {
    /** `undefined` means embedded PGlite under `dataDir`. */
    readonly url?: string;
    readonly dataDir: string;
    readonly migrationsRun: boolean;
    readonly poolSize: number;
  };
  abstract readonly admin: { readonly clientId?: string; readonly clientSecret?: string };
  abstract readonly registration: {
    readonly mode: RegistrationMode;
    readonly initialAccessToken?: string;
  };
  abstract readonly keys: {
    /** 32 bytes that encrypt private signing keys at rest; `undefined` in embedded mode
     * means "generate one under dataDir". */
    readonly encryptionKey?: Buffer;
    readonly accessTokenAlgorithm: AccessTokenAlgorithm;
  };
  abstract readonly tokens: { readonly accessTokenLifetime: number };
  abstract readonly bcryptCost: number;
  abstract readonly bodyLimit: number;
  abstract readonly logLevel: string;
}
