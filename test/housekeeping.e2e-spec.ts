import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { Housekeeping } from '../src/database/housekeeping.service';
import { startTestApp, TestApp } from './support/test-app';

describe(Housekeeping.name, () => {
  let sut: TestApp;
  let db: DataSource;
  before(async () => {
    sut = await startTestApp();
    db = sut.app.get(DataSource);
  });
  after(() => sut.close());

  it('deletes what has expired and keeps what has not', async () => {
    await db.query(
      `INSERT INTO interactions (id, request, expires_at) VALUES
        ('expired-interaction-0001', '{}', now() - interval '1 minute'),
        ('live-interaction-000001', '{}', now() + interval '1 minute')`,
    );
    await db.query(
      `INSERT INTO revoked_access_tokens (jti, expires_at) VALUES
        ('expired-jti', now() - interval '1 minute'), ('live-jti', now() + interval '1 minute')`,
    );

    await sut.app.get(Housekeeping).sweep();

    const interactions = await db.query<{ id: string }[]>(
      'SELECT id FROM interactions ORDER BY id',
    );
    expect(interactions.map((row) => row.id)).toEqual(['live-interaction-000001']);
    const revoked = await db.query<{ jti: string }[]>(
      'SELECT jti FROM revoked_access_tokens ORDER BY jti',
    );
    expect(revoked.map((row) => row.jti)).toEqual(['live-jti']);
  });

  it('deletes expired pushed authorization requests (RFC 9126) and keeps live ones', async () => {
    const client = (
      await sut.admin('POST', '/admin/clients', {
        client_name: 'pusher',
        redirect_uris: ['https://app.example.com/cb'],
      })
    ).json();
    await db.query(
      `INSERT INTO pushed_authorization_requests (reference_hash, client_id, params, expires_at) VALUES
        ('expired-par', $1, '{}', now() - interval '1 minute'),
        ('live-par', $1, '{}', now() + interval '1 minute')`,
      [client.client_id],
    );

    await sut.app.get(Housekeeping).sweep();

    const rows = await db.query<{ reference_hash: string }[]>(
      'SELECT reference_hash FROM pushed_authorization_requests',
    );
    expect(rows.map((row) => row.reference_hash)).toEqual(['live-par']);
  });

  it('keeps redeemed codes for a day after they expire, so a late replay is still recognised', async () => {
    const client = (
      await sut.admin('POST', '/admin/clients', {
        client_name: 'web',
        redirect_uris: ['https://app.example.com/cb'],
      })
    ).json();
    const user = (
      await sut.admin('POST', '/admin/users', { username: 'sweeper', password: 'long enough' })
    ).json();
    for (const [hash, age] of [
      ['code-expired-two-hours-ago', '2 hours'],
      ['code-expired-two-days-ago', '2 days'],
    ]) {
      await db.query(
        `INSERT INTO authorization_codes (code_hash, client_id, user_id, redirect_uri, redirect_uri_given,
           scopes, auth_time, expires_at, consumed_at)
         VALUES ($1, $2, $3, 'https://app.example.com/cb', true, '{}', now(), now() - $4::interval, now())`,
        [hash, client.client_id, user.id, age],
      );
    }

    await sut.app.get(Housekeeping).sweep();

    const codes = await db.query<{ code_hash: string }[]>(
      'SELECT code_hash FROM authorization_codes',
    );
    expect(codes.map((row) => row.code_hash)).toEqual(['code-expired-two-hours-ago']);
  });
});
