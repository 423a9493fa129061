# syntax=docker/dockerfile:1
# Gatehouse production image (docs/deployment.md): build with dev dependencies, then run on
# production dependencies only, as the unprivileged `node` user (uid 1000), on a root filesystem
# that may be mounted read-only (with DATABASE_URL nothing is written outside DATA_DIR).
#   docker build -t gatehouse .
# One-shot migrations with the same image (MIGRATIONS_RUN=false on the servers):
#   docker run --rm -e DATABASE_URL=… -e KEY_ENCRYPTION_KEY=… gatehouse \
#     node node_modules/typeorm/cli.js migration:run -d dist/ormconfig.js --transaction each

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false \
    SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
RUN npm ci
# Only what the build reads (the server: src and ormconfig.ts; the console: console/, built by
# Vite into dist/console), so a change to the docs or tests does not rebuild the image.
COPY tsconfig.json tsconfig.build.json ormconfig.ts ./
COPY scripts/build-if-changed.js ./scripts/
COPY console ./console
COPY src ./src
RUN npm run build \
  && npm prune --omit=dev \
  && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/var/lib/gatehouse
WORKDIR /app
# Code stays owned by root, read-only to the `node` user that runs it.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Embedded mode (no DATABASE_URL) keeps its database and key-encryption key here.
RUN mkdir -p /var/lib/gatehouse && chown node:node /var/lib/gatehouse
VOLUME ["/var/lib/gatehouse"]
USER node
# 3000: the public listener. 9464: the metrics listener, only when METRICS_PORT=9464 and
# METRICS_HOST=0.0.0.0 are set (docs/deployment.md).
EXPOSE 3000 9464
# Gatehouse drains on SIGTERM (docs/operations.md#shutdown).
STOPSIGNAL SIGTERM
# Liveness, not readiness: a database outage makes /health/ready 503, and a container that is
# restarted for it would come back no sooner. With TLS_CERT_FILE the listener speaks HTTPS
# (docs/mtls.md); the check asks itself on loopback, so it does not judge the certificate.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "const tls = Boolean(process.env.TLS_CERT_FILE); require(tls ? 'node:https' : 'node:http').get((tls ? 'https' : 'http') + '://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live', { rejectUnauthorized: false }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
