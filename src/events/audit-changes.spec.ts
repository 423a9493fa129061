import { expect } from 'expect';
import { describe, it } from 'node:test';
import { changedFields, snakeCase, updateEvents } from './audit-changes';

describe(changedFields.name, () => {
  it('names the fields whose values differ, in snake_case', () => {
    const sut = changedFields(
      { clientName: 'a', redirectUris: ['x'], status: 'active' },
      { clientName: 'b', redirectUris: ['x'], status: 'disabled' },
    );
    expect(sut).toEqual(['client_name', 'status']);
  });

  it('compares arrays and objects by content, order included', () => {
    const sut = changedFields(
      { grantTypes: ['a', 'b'], jwks: { keys: [{ kty: 'EC' }] }, audience: ['x'] },
      { grantTypes: ['b', 'a'], jwks: { keys: [{ kty: 'EC' }] }, audience: ['x'] },
    );
    expect(sut).toEqual(['grant_types']);
  });

  it('uses the names given for fields the API spells differently', () => {
    expect(changedFields({ scopes: ['a'] }, { scopes: ['a', 'b'] }, { scopes: 'scope' })).toEqual([
      'scope',
    ]);
  });

  it('counts a field that appears or disappears, null included', () => {
    expect(
      changedFields<Record<string, unknown>>({ jwksUri: null }, { jwksUri: 'https://x' }),
    ).toEqual(['jwks_uri']);
    expect(changedFields<Record<string, unknown>>({}, { name: 'n' })).toEqual(['name']);
  });

  it('returns nothing when nothing changed', () => {
    expect(changedFields({ a: 1, b: [1] }, { a: 1, b: [1] })).toEqual([]);
  });
});

describe(snakeCase.name, () => {
  it('turns camelCase into snake_case', () => {
    expect(snakeCase('tokenEndpointAuthMethod')).toBe('token_endpoint_auth_method');
    expect(snakeCase('status')).toBe('status');
  });
});

describe(updateEvents.name, () => {
  it('records a disable as its own event and the other fields as <kind>.updated', () => {
    expect(updateEvents('client', 'c1', 'disabled', ['client_name', 'status'])).toEqual([
      { type: 'client.disabled', target: { type: 'client', id: 'c1' } },
      {
        type: 'client.updated',
        target: { type: 'client', id: 'c1' },
        details: { fields: ['client_name'] },
      },
    ]);
  });

  it('records an enable alone when only the status changed', () => {
    expect(updateEvents('user', 'u1', 'active', ['status'])).toEqual([
      { type: 'user.enabled', target: { type: 'user', id: 'u1' } },
    ]);
  });

  it('records nothing for an update that changed nothing', () => {
    expect(updateEvents('user', 'u1', 'active', [])).toEqual([]);
  });
});
