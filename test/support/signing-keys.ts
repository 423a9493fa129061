import { decodeProtectedHeader, JWK } from 'jose';
import { DataSource } from 'typeorm';
import { SigningKeys } from '../../src/crypto/signing-keys.service';
import { TestApp } from './test-app';

export const ISO_8601 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

export const kidOf = (token: string) => decodeProtectedHeader(token).kid;
const jwksOf = async (sut: TestApp) =>
  (await sut.request({ method: 'GET', url: '/jwks' })).json<{ keys: JWK[] }>().keys;
export const kidsOf = async (sut: TestApp) => (await jwksOf(sut)).map((key) => String(key.kid));
export const db = (sut: TestApp) => sut.app.get(DataSource);

export async function activeKids(sut: TestApp): Promise<Record<string, string>> {
  const rows = await db(sut).query<Array<{ kid: string; algorithm: string }>>(
    `SELECT kid, algorithm FROM signing_keys WHERE status = 'active' ORDER BY algorithm`,
  );
  return Object.fromEntries(rows.map((row) => [row.algorithm, row.kid]));
}

export async function rotationAudits(sut: TestApp) {
  return db(sut).query<
    Array<{
      actor_type: string;
      actor_id: string | null;
      target_type: string | null;
      ip: string | null;
      outcome: string;
      details: {
        kids: string[];
        signs_from: string;
        immediate: boolean;
        retired_kids: string[];
        withdrawn_kids: string[];
      };
    }>
  >(
    `SELECT actor_type, actor_id, target_type, ip, outcome, details FROM audit_events
      WHERE type = 'keys.rotated' ORDER BY occurred_at`,
  );
}

/** Makes the active keys (of `algorithm`, or all) look `seconds` old: made and signing since. */
export async function ageActiveKeys(
  sut: TestApp,
  seconds: number,
  algorithm?: string,
): Promise<void> {
  await db(sut).query(
    `UPDATE signing_keys SET created_at = now() - make_interval(secs => $1),
        signs_from = now() - make_interval(secs => $1)
      WHERE status = 'active' AND ($2::text IS NULL OR algorithm = $2)`,
    [seconds, algorithm ?? null],
  );
  await sut.app.get(SigningKeys).reload();
}

export const sleepUntil = (epochMs: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, epochMs - Date.now())));
export const ALGORITHMS = ['ES256', 'EdDSA', 'RS256'];
/** Small in tests; the default (120 s) outlasts verifiers that refetch an unknown kid every 30 s. */
export const PUBLISH_AHEAD_SECONDS = 3;

export interface RotatedKeyBody {
  kid: string;
  alg: string;
  created_at: string;
  signs_from: string;
}
