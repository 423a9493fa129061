import { ClientEntity } from '../clients/client.entity';
import { SigningKeyEntity } from '../crypto/signing-key.entity';

/** Every entity the data source knows; migrations create their tables. */
export const ENTITIES = [ClientEntity, SigningKeyEntity];
