import { Injectable } from '@nestjs/common';
import { JSONWebKeySet } from 'jose';
import { lookup } from 'node:dns';
import { Agent } from 'node:https';
import { LookupFunction } from 'node:net';
import { AppConfig } from '../../config/app-config';
import { jwksProblems } from '../client-metadata.policy';
import { downloadJson, JwksDownloadError } from './jwks-download';
import { Clock } from '../../common/clock';

/** How long a fetched key set is used before it is fetched again. */
export const JWKS_CACHE_TTL_MS = 5 * 60_000;
/** An unknown `kid` refetches the set, but not more often than this per URI. */
export const JWKS_REFETCH_INTERVAL_MS = 30_000;
const MAX_CACHED_URIS = 1_000;

/**
 * How jwks_uri fetches reach the network. Production never changes it; tests swap in an Agent
 * that trusts their own CA and a resolver that answers for their own host names.
 */
@Injectable()
export class JwksNetwork {
  agent?: Agent;
  resolve: LookupFunction = lookup;
}

interface FetchedSet {
  keys: JSONWebKeySet;
  fetchedAt: number;
  /** The last time a fetch of this URI began, whether or not it succeeded. */
  attemptedAt: number;
}

/**
 * Client key sets from `jwks_uri` (RFC 7591 §2, OIDC Core §10.1.1), fetched safely
 * (jwks-download.ts), checked as a JWK Set of public keys and cached per URI. Concurrent
 * requests for the same URI share one fetch. Failures throw JwksDownloadError.
 */
@Injectable()
export class JwksFetcher {
  private readonly cache = new Map<string, FetchedSet>();
  private readonly inFlight = new Map<string, Promise<FetchedSet>>();

  constructor(
    private readonly config: AppConfig,
    private readonly network: JwksNetwork,
    private readonly clock: Clock,
  ) {}

  async keySet(uri: string): Promise<JSONWebKeySet> {
    const cached = this.cache.get(uri);
    if (cached && this.clock.now() - cached.fetchedAt < JWKS_CACHE_TTL_MS) return cached.keys;
    return (await this.fetch(uri)).keys;
  }

  /**
   * OIDC Core §10.1.1: a client rotates by publishing a new key with a new `kid`, so a `kid` the
   * cached set lacks refetches it; undefined when the set was fetched too recently to ask again.
   */
  async refetched(uri: string): Promise<JSONWebKeySet | undefined> {
    const cached = this.cache.get(uri);
    if (cached && this.clock.now() - cached.attemptedAt < JWKS_REFETCH_INTERVAL_MS)
      return undefined;
    return (await this.fetch(uri)).keys;
  }

  private fetch(uri: string): Promise<FetchedSet> {
    let pending = this.inFlight.get(uri);
    if (!pending) {
      const cached = this.cache.get(uri);
      if (cached) cached.attemptedAt = this.clock.now();
      pending = this.download(uri).finally(() => this.inFlight.delete(uri));
      this.inFlight.set(uri, pending);
    }
    return pending;
  }

  private async download(uri: string): Promise<FetchedSet> {
    const body = await downloadJson(uri, {
      allowPrivate: this.config.jwksUriAllowPrivate,
      resolve: this.network.resolve,
      agent: this.network.agent,
    });
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new JwksDownloadError('the body is not a JWK Set');
    }
    const problem = jwksProblems(body);
    if (problem) throw new JwksDownloadError(`the JWK Set ${problem}`);
    const now = this.clock.now();
    const fetched = { keys: body as JSONWebKeySet, fetchedAt: now, attemptedAt: now };
    this.cache.delete(uri);
    if (this.cache.size >= MAX_CACHED_URIS) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(uri, fetched);
    return fetched;
  }
}
