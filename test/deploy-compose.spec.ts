import { expect } from 'expect';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  REPOSITORY,
  repositoryFile,
  yamlDocument,
  MIGRATION_COMMAND,
} from './support/deploy-files';

/** docker-compose.yml, its nginx and Prometheus files, and the Dockerfile (docs/deployment.md). */
interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  volumes?: string[];
  ports?: string[];
  restart?: string;
  read_only?: boolean;
}
interface Compose {
  name: string;
  services: Record<string, Service>;
}

const stack = () => yamlDocument('docker-compose.yml') as Compose;
const REPLICAS = ['gatehouse-1', 'gatehouse-2'];

/** Whether a condition can ever be met by the service it waits for. */
function conditionProblem(compose: Compose, waiter: string, on: string, condition: string) {
  const target = compose.services[on];
  if (!target) return `${waiter} waits for ${on}, which is no service`;
  const checked = target.healthcheck?.test !== undefined && !target.healthcheck.disable;
  if (condition === 'service_healthy' && !checked) return `${on} has no healthcheck`;
  if (condition === 'service_completed_successfully' && target.restart !== 'no')
    return `${on} is restarted, so never completes`;
  if (!['service_started', 'service_healthy', 'service_completed_successfully'].includes(condition))
    return `${waiter}: unknown condition ${condition}`;
  return undefined;
}

function dependencyProblems(compose: Compose): string[] {
  return Object.entries(compose.services).flatMap(([name, service]) =>
    Object.entries(service.depends_on ?? {}).flatMap(
      ([on, { condition }]) => conditionProblem(compose, name, on, condition) ?? [],
    ),
  );
}

describe('docker-compose.yml: the stack at scale', () => {
  it('runs PostgreSQL, Redis, migrations, two replicas, nginx, a sample API, Prometheus, Grafana', () => {
    expect(stack().name).toBe('gatehouse');
    expect(Object.keys(stack().services).sort()).toEqual([
      'gatehouse-1',
      'gatehouse-2',
      'grafana',
      'migrate',
      'nginx',
      'postgres',
      'prometheus',
      'redis',
      'sample-api',
    ]);
  });

  it('every service others wait on for health has a healthcheck, and the waits can end', () => {
    expect(dependencyProblems(stack())).toEqual([]);
    for (const name of ['postgres', 'redis', ...REPLICAS, 'nginx', 'prometheus'])
      expect(stack().services[name].healthcheck!.test!.length).toBeGreaterThan(1);
  });

  it('the dependency check finds a wait that cannot end', () => {
    const broken = structuredClone(stack());
    broken.services.nginx.depends_on = {
      'sample-api': { condition: 'service_healthy' },
      migrate: { condition: 'service_completed_successfully' },
      nowhere: { condition: 'service_started' },
      redis: { condition: 'service_ready' },
    };
    broken.services.migrate.restart = 'always';
    expect(dependencyProblems(broken)).toEqual([
      'migrate is restarted, so never completes', // gatehouse-1 waits for it
      'migrate is restarted, so never completes', // gatehouse-2
      'sample-api has no healthcheck',
      'migrate is restarted, so never completes',
      'nginx waits for nowhere, which is no service',
      'nginx: unknown condition service_ready',
    ]);
  });

  it('the migrations run once, before both replicas, which do not run them again', () => {
    const { migrate } = stack().services;
    expect(migrate.command).toEqual(MIGRATION_COMMAND);
    expect(migrate.restart).toBe('no');
    expect(migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    for (const name of REPLICAS) {
      const replica = stack().services[name];
      expect(replica.depends_on).toEqual({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
        migrate: { condition: 'service_completed_successfully' },
      });
      expect(replica.image).toBe(migrate.image);
      expect(replica.environment!.MIGRATIONS_RUN).toBe('false');
      expect(replica.environment!.DATABASE_URL).toBe(migrate.environment!.DATABASE_URL);
      expect(replica.environment!.KEY_ENCRYPTION_KEY).toBe(migrate.environment!.KEY_ENCRYPTION_KEY);
    }
  });

  it('the replicas share Redis, serve metrics on the compose network only, and publish no port', () => {
    for (const name of REPLICAS) {
      const replica = stack().services[name];
      expect(replica.environment).toMatchObject({
        REDIS_URL: 'redis://redis:6379',
        METRICS_PORT: '9464',
        METRICS_HOST: '0.0.0.0',
        ISSUER: '${ISSUER:-http://localhost:8080}',
        TRUST_PROXY: '1',
      });
      expect(replica.ports).toBeUndefined();
      expect(replica.healthcheck!.test!.join(' ')).toContain('/health/ready');
      expect(replica.read_only).toBe(true);
    }
    expect(stack().services.nginx.ports).toEqual(['8080:8080', '8081:8081']);
  });

  it('Prometheus scrapes each replica on its metrics port', () => {
    const prometheus = yamlDocument('deploy/prometheus/prometheus.yml') as {
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
    };
    const job = prometheus.scrape_configs.find((c) => c.job_name === 'gatehouse')!;
    expect(job.static_configs.flatMap((c) => c.targets)).toEqual(
      REPLICAS.map((name) => `${name}:${stack().services[name].environment!.METRICS_PORT}`),
    );
  });

  it('nginx balances both replicas and renders the auth_request template for the sample API', () => {
    const balancer = repositoryFile('deploy/compose/nginx/gatehouse-lb.conf');
    const servers = [...balancer.matchAll(/^\s*server ([\w.-]+):(\d+)/gm)].map((m) => m[1]);
    expect(servers).toEqual(REPLICAS);
    expect(balancer).toMatch(/upstream gatehouse_replicas \{/);
    const { nginx } = stack().services;
    expect(nginx.environment).toMatchObject({
      GATEHOUSE_URL: 'http://gatehouse_replicas',
      UPSTREAM_URL: 'http://sample-api:5678',
    });
    expect(nginx.volumes).toContain(
      './deploy/nginx/gatehouse.conf.template:/etc/nginx/templates/sample-api.conf.template:ro',
    );
  });

  it('every file a service mounts exists', () => {
    const sources = Object.values(stack().services)
      .flatMap((s) => s.volumes ?? [])
      .map((volume) => volume.split(':')[0])
      .filter((source) => source.startsWith('./'));
    expect(sources.length).toBeGreaterThanOrEqual(5);
    for (const source of sources)
      expect([source, existsSync(join(REPOSITORY, source))]).toEqual([source, true]);
  });

  it('the single-replica variant still parses and builds from the root', () => {
    const single = yamlDocument('deploy/compose/single.yml') as Compose;
    expect(Object.keys(single.services).sort()).toEqual(['gatehouse', 'postgres']);
    expect(single.services.gatehouse.build).toEqual({ context: '../..' });
    expect(dependencyProblems(single)).toEqual([]);
  });
});

describe('Dockerfile', () => {
  const dockerfile = () => repositoryFile('Dockerfile');

  it('builds in one stage and runs production dependencies only, as node, with a healthcheck', () => {
    expect(dockerfile().match(/^FROM .+ AS \w+$/gm)).toEqual([
      'FROM ${NODE_IMAGE} AS build',
      'FROM ${NODE_IMAGE} AS runtime',
    ]);
    const runtime = dockerfile().slice(dockerfile().indexOf('AS runtime'));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n.*\/health\/live/m);
    expect(runtime).not.toMatch(/npm (ci|install)/);
    expect(dockerfile()).toMatch(/npm prune --omit=dev/);
  });
});
