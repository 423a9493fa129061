import { Injectable, Logger } from '@nestjs/common';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppConfig } from '../config/app-config';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_FILE = 'key-encryption.key';

/**
 * AES-256-GCM for private signing keys at rest. The key comes from KEY_ENCRYPTION_KEY; in
 * embedded mode without it, one is generated once under DATA_DIR (mode 0600) and reused.
 */
@Injectable()
export class KeyEncryption {
  private readonly logger = new Logger(KeyEncryption.name);
  private readonly key: Buffer;

  constructor(config: AppConfig) {
    this.key = config.keys.encryptionKey ?? this.embeddedKey(config.database.dataDir);
  }

  encrypt(plaintext: Buffer): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  decrypt(sealed: string): Buffer {
    const data = Buffer.from(sealed, 'base64url');
    const iv = data.subarray(0, IV_BYTES);
    const tag = data.subarray(data.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([
      decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
      decipher.final(),
    ]);
  }

  /**
   * A 32-byte key for one `purpose`, derived from the key-encryption key with HKDF-SHA256
   * (RFC 5869): every process holding the same key derives the same one, and it reveals nothing
   * of the key-encryption key or of the keys for other purposes.
   */
  derivedKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), `gatehouse ${purpose}`, 32));
  }

  private embeddedKey(dataDir: string): Buffer {
    if (dataDir === ':memory:') return randomBytes(32);
    const directory = resolve(dataDir);
    const file = join(directory, KEY_FILE);
    if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    mkdirSync(directory, { recursive: true });
    const key = randomBytes(32);
    writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600 });
    chmodSync(file, 0o600);
    this.logger.log(`generated the key-encryption key at ${file}`);
    return key;
  }
}
