import { AggregatorRegistry } from 'prom-client';
import { Exposition } from './metrics-listener';
import { Metrics } from './metrics';

/**
 * WORKERS > 1 (node:cluster): each worker records into its own registry and answers the
 * primary's requests for it (prom-client's cluster messages); the primary alone listens and
 * serves the sum over workers (docs/metrics.md, several processes). A per-worker port would
 * need one scrape target per worker, which a scraper cannot know.
 */
export function shareWithPrimary(metrics: Metrics): void {
  AggregatorRegistry.setRegistries([metrics.registry]);
  // prom-client starts answering the primary's messages when an AggregatorRegistry is made.
  new AggregatorRegistry();
}

/** The primary's exposition: every worker's metrics, summed (gauges as each one declares). */
export function gatherFromWorkers(): () => Promise<Exposition> {
  const aggregator = new AggregatorRegistry();
  return async () => ({
    contentType: aggregator.contentType,
    body: await aggregator.clusterMetrics(),
  });
}
