# syntax=docker/dockerfile:1
# Gatehouse image: build with dev dependencies, then run on production dependencies only, as
# the unprivileged `node` user. `docker compose up` runs it beside PostgreSQL.

FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false \
    SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build \
  && npm prune --omit=dev \
  && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/var/lib/gatehouse
WORKDIR /app
# Code stays owned by root, read-only to the `node` user that runs it.
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Embedded mode (no DATABASE_URL) keeps its database and key-encryption key here.
RUN mkdir -p /var/lib/gatehouse && chown node:node /var/lib/gatehouse
VOLUME ["/var/lib/gatehouse"]
USER node
EXPOSE 3000
# With TLS_CERT_FILE the listener speaks HTTPS (docs/mtls.md); the check asks itself on loopback,
# so it does not judge the certificate.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "const tls = Boolean(process.env.TLS_CERT_FILE); require(tls ? 'node:https' : 'node:http').get((tls ? 'https' : 'http') + '://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live', { rejectUnauthorized: false }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
