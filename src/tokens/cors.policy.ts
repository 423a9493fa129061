import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ClientDirectory } from '../clients/client-directory.service';
import { ChangeBus } from '../events/change-bus.service';

declare module 'fastify' {
  interface FastifyRequest {
    /** The client whose allowed_cors_origins decide this answer, once it is known. */
    corsClientId?: string;
  }
}

/** Browser clients may call these; /authorize and the pages never answer CORS (docs/headers.md, CORS). */
const CORS_PATHS: Record<string, string> = {
  '/token': 'POST',
  '/userinfo': 'GET, POST',
  '/revoke': 'POST',
};

/**
 * CORS for browser clients: a preflight is answered for any origin some active client allows
 * (credentials come only with the real request); the real answer carries
 * Access-Control-Allow-Origin only when the origin is in the calling client's
 * allowed_cors_origins.
 */
@Injectable()
export class CorsPolicy implements OnModuleInit, OnModuleDestroy {
  private knownOrigins?: Promise<Set<string>>;
  private unsubscribe?: () => void;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly clients: ClientDirectory,
    bus: ChangeBus,
  ) {
    this.unsubscribe = bus.subscribe((event) => {
      if (event.type.startsWith('client.') || event.type === 'resync')
        this.knownOrigins = undefined;
    });
  }

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    // Callback-style hooks that return at once for every other request: they run on all of
    // them, gateway decisions included.
    fastify.addHook('onRequest', (request, reply, done) => {
      if (request.method !== 'OPTIONS') return done();
      const methods = CORS_PATHS[request.url.split('?')[0]];
      if (!methods) return done();
      this.preflight(request, reply, methods).catch(() => {
        void reply.status(503).header('retry-after', '1').send();
      });
    });
    fastify.addHook('onSend', (request, reply, payload, done) => {
      if (!request.headers.origin || !CORS_PATHS[request.url.split('?')[0]])
        return done(null, payload);
      this.decorate(request, reply).then(
        () => done(null, payload),
        (error: Error) => done(error),
      );
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  private async preflight(
    request: FastifyRequest,
    reply: FastifyReply,
    methods: string,
  ): Promise<void> {
    const origin = request.headers.origin;
    void reply.header('vary', 'Origin');
    if (origin && (await this.origins()).has(origin)) {
      void reply.headers({
        'access-control-allow-origin': origin,
        'access-control-allow-methods': methods,
        'access-control-allow-headers': 'Authorization, Content-Type, DPoP',
        'access-control-max-age': '600',
      });
    }
    void reply.status(204).send();
  }

  private async decorate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    void reply.header('vary', 'Origin');
    const origin = request.headers.origin!;
    const clientId = request.client?.clientId ?? request.corsClientId;
    const allowed = clientId
      ? ((await this.clients.find(clientId))?.allowedCorsOrigins ?? []).includes(origin)
      : (await this.origins()).has(origin);
    // RFC 9449 §8.2: a browser client reads the server's nonce from DPoP-Nonce, which is not a
    // CORS-safelisted response header.
    if (allowed) {
      void reply.header('access-control-allow-origin', origin);
      if (request.method !== 'OPTIONS') {
        void reply.header('access-control-expose-headers', 'DPoP-Nonce');
      }
    }
  }

  private origins(): Promise<Set<string>> {
    this.knownOrigins ??= this.clients
      .activeCorsOrigins()
      .then((origins) => new Set(origins))
      .catch((error: unknown) => {
        this.knownOrigins = undefined;
        throw error;
      });
    return this.knownOrigins;
  }
}
