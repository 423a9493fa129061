import { expect } from 'expect';
import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import { before, describe, it } from 'node:test';
import {
  REPOSITORY,
  filesUnder,
  yamlDocument,
  yamlDocuments,
  MIGRATION_COMMAND,
} from './support/deploy-files';
import { Manifest, loadKubernetesSchemas, validateManifest } from './support/kubernetes-schemas';

/** deploy/kubernetes (docs/deployment.md#kubernetes), checked offline against the API schemas. */
const FOLDER = 'deploy/kubernetes';

interface Kustomization {
  apiVersion: string;
  kind: string;
  namespace: string;
  resources: string[];
  images: Array<{ name: string; newTag?: string }>;
}

interface Probe {
  httpGet: { path: string; port: string };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: Array<{ name: string; containerPort: number }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    containers: Container[];
    securityContext?: Record<string, unknown>;
    terminationGracePeriodSeconds?: number;
    restartPolicy?: string;
  };
}

function manifests(): Map<string, Manifest> {
  const byKind = new Map<string, Manifest>();
  for (const file of filesUnder(FOLDER, ['.yaml', '.yml'])) {
    if (posix.basename(file) === 'kustomization.yaml') continue;
    for (const data of yamlDocuments(file)) {
      const manifest = validateManifest(data, file);
      expect(byKind.has(manifest.kind)).toBe(false);
      byKind.set(manifest.kind, manifest);
    }
  }
  return byKind;
}

function the(kind: string): Manifest {
  const manifest = manifests().get(kind);
  if (!manifest) throw new Error(`no ${kind} in ${FOLDER}`);
  return manifest;
}

const podOf = (kind: string) => (the(kind).spec as { template: PodTemplate }).template;
const gatehouse = () => podOf('Deployment').spec.containers[0];

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  before(loadKubernetesSchemas);

  it('every manifest is valid against the Kubernetes schema, one of each kind', () => {
    expect([...manifests().keys()].sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'Job',
      'Namespace',
      'PodDisruptionBudget',
      'Secret',
      'Service',
    ]);
  });

  it('the validation refuses what the API server would', () => {
    const deployment = structuredClone(the('Deployment')) as Manifest & {
      spec: { template: PodTemplate; selector?: unknown };
    };
    deployment.spec.template.spec.containers[0].ports![0].containerPort = '3000' as never;
    expect(() => validateManifest(deployment, 'altered')).toThrow('containerPort must be integer');
    delete deployment.spec.selector;
    expect(() => validateManifest(deployment, 'altered')).toThrow(
      'data/spec must have required property selector',
    );
    expect(() => validateManifest({ apiVersion: 'v1', kind: 'Pod' }, 'other')).toThrow(
      'other: no schema for v1 Pod',
    );
    expect(() => validateManifest(null, 'empty')).toThrow('empty: no schema');
  });

  it('the kustomizations name every manifest but the Secret template, which exist', () => {
    const main = yamlDocument(`${FOLDER}/kustomization.yaml`) as Kustomization;
    const migrate = yamlDocument(`${FOLDER}/migrate/kustomization.yaml`) as Kustomization;
    for (const kustomization of [main, migrate]) {
      expect(kustomization.apiVersion).toBe('kustomize.config.k8s.io/v1beta1');
      expect(kustomization.kind).toBe('Kustomization');
      expect(kustomization.namespace).toBe('gatehouse');
      expect(kustomization.images.map((i) => i.name)).toEqual(['gatehouse']);
    }
    const listed = [
      ...main.resources.map((r) => `${FOLDER}/${r}`),
      ...migrate.resources.map((r) => `${FOLDER}/migrate/${r}`),
    ].sort();
    for (const file of listed) expect(existsSync(join(REPOSITORY, file))).toBe(true);
    const manifestFiles = filesUnder(FOLDER, ['.yaml']).filter(
      (f) => !f.endsWith('kustomization.yaml') && !f.endsWith('secret.template.yaml'),
    );
    expect(listed).toEqual(manifestFiles);
  });

  it('the Deployment: at least two replicas, probes, resources, drain, non-root, read-only', () => {
    const deployment = the('Deployment').spec as {
      replicas: number;
      strategy: { rollingUpdate: { maxUnavailable: number } };
    };
    expect(deployment.replicas).toBeGreaterThanOrEqual(2);
    expect(deployment.strategy.rollingUpdate.maxUnavailable).toBe(0);
    const pod = podOf('Deployment');
    const container = gatehouse();
    expect(container.image).toBe('gatehouse');
    expect(container.readinessProbe!.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    expect(container.livenessProbe!.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container.startupProbe!.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container.ports).toEqual([
      { name: 'http', containerPort: 3000 },
      { name: 'metrics', containerPort: 9464 },
    ]);
    expect(Object.keys(container.resources!.requests!).sort()).toEqual(['cpu', 'memory']);
    expect(container.resources!.limits!.memory).toBeDefined();
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    const preStop = container.lifecycle!.preStop!.exec!.command;
    expect(preStop[0]).toBe('sleep');
    // The grace period covers the preStop sleep and a drain of at least 10 s.
    expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(Number(preStop[1]) + 10);
  });

  it('Prometheus finds the metrics port the ConfigMap opens on the pod network', () => {
    const settings = the('ConfigMap').data as Record<string, string>;
    expect(settings).toMatchObject({ METRICS_HOST: '0.0.0.0', MIGRATIONS_RUN: 'false' });
    const annotations = podOf('Deployment').metadata.annotations!;
    expect(annotations).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': settings.METRICS_PORT,
      'prometheus.io/path': '/metrics',
    });
    const metrics = gatehouse().ports!.find((p) => p.name === 'metrics')!;
    expect(String(metrics.containerPort)).toBe(settings.METRICS_PORT);
    expect(String(gatehouse().ports!.find((p) => p.name === 'http')!.containerPort)).toBe(
      settings.PORT,
    );
  });

  it('the Service, PodDisruptionBudget and autoscaler select the Deployment', () => {
    const labels = podOf('Deployment').metadata.labels;
    const service = the('Service').spec as {
      selector: Record<string, string>;
      ports: Array<{ targetPort: string }>;
    };
    expect(service.selector).toEqual(labels);
    expect(service.ports.map((p) => p.targetPort)).toEqual(['http']);
    const budget = the('PodDisruptionBudget').spec as {
      selector: { matchLabels: Record<string, string> };
      maxUnavailable: number;
    };
    expect(budget.selector.matchLabels).toEqual(labels);
    expect(budget.maxUnavailable).toBe(1);
    const autoscaler = the('HorizontalPodAutoscaler').spec as {
      scaleTargetRef: { kind: string; name: string };
      minReplicas: number;
      metrics: Array<{ resource: { name: string } }>;
    };
    expect(autoscaler.scaleTargetRef).toMatchObject({
      kind: 'Deployment',
      name: the('Deployment').metadata.name,
    });
    expect(autoscaler.minReplicas).toBeGreaterThanOrEqual(2);
    expect(autoscaler.metrics.map((m) => m.resource.name)).toEqual(['cpu']);
  });

  it('the migrations Job runs the release image once, with the servers settings', () => {
    const pod = podOf('Job');
    expect(pod.spec.restartPolicy).toBe('Never');
    const [migrate] = pod.spec.containers;
    expect(migrate.image).toBe(gatehouse().image);
    expect(migrate.command).toEqual(MIGRATION_COMMAND);
    expect(migrate.envFrom).toEqual(gatehouse().envFrom);
    expect(migrate.securityContext).toEqual(gatehouse().securityContext);
    expect(gatehouse().envFrom).toEqual([
      { configMapRef: { name: the('ConfigMap').metadata.name } },
      { secretRef: { name: the('Secret').metadata.name } },
    ]);
  });

  it('the Secret template holds only placeholders that stop Gatehouse from starting', () => {
    const secret = the('Secret').stringData as Record<string, string>;
    expect(Object.keys(secret).sort()).toEqual([
      'ADMIN_CLIENT_ID',
      'ADMIN_CLIENT_SECRET',
      'DATABASE_URL',
      'KEY_ENCRYPTION_KEY',
      'REDIS_URL',
    ]);
    expect(secret.KEY_ENCRYPTION_KEY).toBe('replace-me');
    expect(secret.ADMIN_CLIENT_SECRET).toBe('replace-me');
  });
});
