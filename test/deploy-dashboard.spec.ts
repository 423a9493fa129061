import { expect } from 'expect';
import { describe, it } from 'node:test';
import { filesUnder, repositoryFile, yamlDocument } from './support/deploy-files';
import { GATEHOUSE_METRICS, unknownMetricNames } from './support/metric-names';

/** The Grafana dashboards in deploy/grafana and the Prometheus configuration use served names only. */
interface Panel {
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Array<{ expr: string; datasource: { uid: string } }>;
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; query: unknown; definition?: string }> };
}

const dashboards = () =>
  filesUnder('deploy/grafana/dashboards', ['.json']).map((file) => ({
    file,
    dashboard: JSON.parse(repositoryFile(file)) as Dashboard,
  }));

/** Every PromQL expression of a dashboard: its panels' queries and its variables'. */
function expressions(dashboard: Dashboard): string[] {
  return [
    ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((t) => t.expr)),
    ...dashboard.templating.list.flatMap((variable) => variable.definition ?? []),
  ];
}

describe('Grafana dashboard (deploy/grafana)', () => {
  it('there is the Gatehouse dashboard, provisioned from the folder it is in', () => {
    expect(dashboards().map((d) => [d.file, d.dashboard.uid])).toEqual([
      ['deploy/grafana/dashboards/gatehouse.json', 'gatehouse'],
    ]);
    const provider = yamlDocument('deploy/grafana/provisioning/dashboards/gatehouse.yml') as {
      providers: Array<{ options: { path: string } }>;
    };
    expect(provider.providers[0].options.path).toBe('/var/lib/grafana/dashboards');
  });

  it('references only metric names Gatehouse serves', () => {
    for (const { dashboard } of dashboards()) {
      const unknown = expressions(dashboard).flatMap(unknownMetricNames);
      expect(unknown).toEqual([]);
    }
  });

  it('shows every Gatehouse metric', () => {
    const all = dashboards()
      .flatMap((d) => expressions(d.dashboard))
      .join('\n');
    const missing = Object.keys(GATEHOUSE_METRICS).filter(
      (name) => !new RegExp(`\\b${name}(_bucket|_sum|_count)?\\b`).test(all),
    );
    expect(missing).toEqual([]);
  });

  it('the name check catches a misspelt metric and a histogram series of a counter', () => {
    expect(
      unknownMetricNames(
        'sum(rate(gatehouse_http_request_total[5m])) + gatehouse_http_requests_total_bucket' +
          ' + gatehouse_http_request_duration_seconds_bucket + gatehouse___proto__',
      ),
    ).toEqual([
      'gatehouse_http_request_total',
      'gatehouse_http_requests_total_bucket',
      'gatehouse___proto__',
    ]);
    expect(unknownMetricNames('gatehouse_nodejs_gc_duration_seconds_count + up')).toEqual([]);
  });

  it('every panel queries the provisioned Prometheus through the datasource variable', () => {
    const datasource = yamlDocument('deploy/grafana/provisioning/datasources/prometheus.yml') as {
      datasources: Array<{ uid: string; type: string; url: string }>;
    };
    expect(datasource.datasources).toMatchObject([
      { uid: 'prometheus', type: 'prometheus', url: 'http://prometheus:9090' },
    ]);
    for (const { dashboard } of dashboards()) {
      const variable = dashboard.templating.list.find((v) => v.name === 'datasource')!;
      expect(variable.query).toBe('prometheus');
      const graphs = dashboard.panels.filter((panel) => panel.type !== 'row');
      expect(graphs.length).toBeGreaterThanOrEqual(16);
      for (const panel of graphs) {
        expect([panel.title, panel.datasource]).toEqual([
          panel.title,
          { type: 'prometheus', uid: '${datasource}' },
        ]);
        expect(panel.targets!.length).toBeGreaterThan(0);
      }
    }
  });
});
