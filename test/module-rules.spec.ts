import { expect } from 'expect';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { before, describe, it } from 'node:test';

const ROOT = join(__dirname, '..', '..');

/** The rules `npm run lint` checks (.dependency-cruiser.cjs), run over a small src/ of our own. */
function violations(files: Record<string, string>): Array<{ rule: string; from: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-floors-'));
  try {
    writeFileSync(join(dir, 'tsconfig.json'), '{}');
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const cruise = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs'),
        'src',
        '--config',
        join(ROOT, '.dependency-cruiser.cjs'),
        '--output-type',
        'json',
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    const report = JSON.parse(cruise.stdout) as {
      summary: { violations: Array<{ rule: { name: string }; from: string }> };
    };
    return report.summary.violations
      .map((v) => ({ rule: v.rule.name, from: v.from }))
      .sort((a, b) => a.from.localeCompare(b.from) || a.rule.localeCompare(b.rule));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('module rules (docs/architecture.md, floors)', () => {
  let found: Array<{ rule: string; from: string }>;

  before(() => {
    found = violations({
      // Allowed: down a floor, into the ground floor, the root into anything, the root's entity list.
      'src/tokens/issuer.ts':
        "import { a } from '../clients/clients.service';\nexport const t = a;\n",
      'src/clients/clients.service.ts': "import { c } from '../common/c';\nexport const a = c;\n",
      'src/common/c.ts': 'export const c = 1;\n',
      'src/app.module.ts': "import { t } from './tokens/issuer';\nexport const m = t;\n",
      'src/entities.ts': "import { E } from './users/user.entity';\nexport const L = [E];\n",
      'src/users/user.entity.ts': 'export class E {}\n',
      // Broken: up a floor, across one floor, another module's entity, a migration using code,
      // and a cycle.
      'src/clients/up.ts': "import { t } from '../tokens/issuer';\nexport const u = t;\n",
      'src/users/side.ts': "import { a } from '../clients/clients.service';\nexport const s = a;\n",
      'src/tokens/entity-user.ts':
        "import { E } from '../users/user.entity';\nexport const x = E;\n",
      'src/database/migrations/1-M.ts':
        "import { c } from '../../common/c';\nexport const m = c;\n",
      'src/access/one.ts': "import { two } from './two';\nexport const one = () => two;\n",
      'src/access/two.ts': "import { one } from './one';\nexport const two = () => one;\n",
    });
  });

  it('refuses an import into a higher floor', () => {
    expect(found).toContainEqual({ rule: 'floor-clients', from: 'src/clients/up.ts' });
  });

  it('refuses an import between folders on the same floor', () => {
    expect(found).toContainEqual({ rule: 'floor-users', from: 'src/users/side.ts' });
  });

  it("refuses another module's entity, and lets the root entity list name it", () => {
    expect(found).toContainEqual({ rule: 'entity-private', from: 'src/tokens/entity-user.ts' });
    expect(found.filter((v) => v.from === 'src/entities.ts')).toEqual([]);
  });

  it('refuses a migration that imports code', () => {
    expect(found).toContainEqual({
      rule: 'migrations-stand-alone',
      from: 'src/database/migrations/1-M.ts',
    });
  });

  it('refuses a cycle', () => {
    const cycles = found.filter((v) => v.rule === 'no-circular').map((v) => v.from);
    expect(cycles).toEqual([expect.stringMatching(/^src\/access\/(one|two)\.ts$/)]);
  });

  it('allows imports down the floors and from the composition root', () => {
    const allowed = [
      'src/tokens/issuer.ts',
      'src/clients/clients.service.ts',
      'src/app.module.ts',
      'src/common/c.ts',
    ];
    expect(found.filter((v) => allowed.includes(v.from))).toEqual([]);
  });
});
