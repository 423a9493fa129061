/**
 * Offline validation against the Kubernetes API's OpenAPI schemas, as the npm package
 * kubernetes-models ships them (compiled validators, no network). The kinds deploy/kubernetes
 * uses; a manifest of another kind is an error, so none goes unchecked. The package is ESM
 * with `import`-only exports, hence import().
 */
async function loadModels(): Promise<Record<string, ModelClass>> {
  const [core, apps, autoscaling, batch, policy] = await Promise.all([
    import('kubernetes-models/v1'),
    import('kubernetes-models/apps/v1'),
    import('kubernetes-models/autoscaling/v2'),
    import('kubernetes-models/batch/v1'),
    import('kubernetes-models/policy/v1'),
  ]);
  return {
    'v1/ConfigMap': core.ConfigMap,
    'v1/Namespace': core.Namespace,
    'v1/Secret': core.Secret,
    'v1/Service': core.Service,
    'apps/v1/Deployment': apps.Deployment,
    'autoscaling/v2/HorizontalPodAutoscaler': autoscaling.HorizontalPodAutoscaler,
    'batch/v1/Job': batch.Job,
    'policy/v1/PodDisruptionBudget': policy.PodDisruptionBudget,
  };
}

type ModelClass = new (data: never) => { validate(): void };
let models: Record<string, ModelClass> | undefined;

/** Loads the schemas; call once (a `before` hook) ahead of validateManifest. */
export async function loadKubernetesSchemas(): Promise<void> {
  models ??= await loadModels();
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** Throws, naming the manifest and each schema violation, unless `data` is a valid manifest. */
export function validateManifest(data: unknown, source: string): Manifest {
  const { apiVersion, kind } = (data ?? {}) as Partial<Manifest>;
  if (!models) throw new Error('loadKubernetesSchemas() first');
  const Model = models[`${apiVersion}/${kind}`];
  if (!Model) throw new Error(`${source}: no schema for ${apiVersion} ${kind}`);
  try {
    new Model(data as never).validate();
  } catch (error) {
    throw new Error(`${source}: ${kind} ${(error as Error).message}`, { cause: error });
  }
  return data as Manifest;
}
