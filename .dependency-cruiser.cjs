// @ts-check
/**
 * Module boundaries (docs/architecture.md, docs/decisions/0210-dependency-cruiser-floors.md),
 * checked by `npm run lint` over src/. Each top-level folder of src/ stands on a floor; a folder
 * imports only folders on lower floors, never one on its own floor. The files at the root of
 * src/ are the composition root and may import anything. A lower floor reacts to a higher one
 * through the events bus or a port (an abstract class in src/common) that the higher floor
 * implements and the root binds.
 */

/** Floors, lowest first. Keep in step with the table in docs/architecture.md. */
const FLOORS = require('./scripts/floors.js');

const alternatives = (folders) => folders.map((folder) => folder.replace(/[-]/g, '\\-')).join('|');

/** One rule per floor: its folders import nothing from their own floor or any floor above. */
const floorRules = FLOORS.map((folders, floor) => {
  const above = FLOORS.slice(floor + 1).flat();
  return folders.map((folder) => ({
    name: `floor-${folder}`,
    severity: 'error',
    comment:
      `src/${folder} is on floor ${floor} and may import only lower floors ` +
      `(${FLOORS.slice(0, floor).flat().join(', ') || 'none'}). To react to a higher or same-floor ` +
      `module, publish an event on the change bus, or define a port (an abstract class) in ` +
      `src/common that the other module implements and src/app.module.ts binds. ` +
      `See docs/architecture.md.`,
    from: { path: `^src/${folder}/` },
    to: {
      path: `^src/(${alternatives([...folders.filter((other) => other !== folder), ...above])})/`,
    },
  }));
}).flat();

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...floorRules,
    {
      name: 'floor-unknown-folder',
      severity: 'error',
      comment:
        'Every top-level folder of src/ stands on a floor. Add the new folder to scripts/floors.js ' +
        'and to the table in docs/architecture.md.',
      from: { path: '^src/[^/]+/' },
      to: { path: '^src/[^/]+/', pathNot: `^src/(${alternatives(FLOORS.flat())})/` },
    },
    {
      name: 'floor-unknown-folder-imports',
      severity: 'error',
      comment:
        'Every top-level folder of src/ stands on a floor. Add the new folder to scripts/floors.js ' +
        'and to the table in docs/architecture.md.',
      from: { path: '^src/([^/]+)/', pathNot: `^src/(${alternatives(FLOORS.flat())})/` },
      to: { path: '^src/', pathNot: '^src/$1/' },
    },
    {
      name: 'migrations-stand-alone',
      severity: 'error',
      comment:
        'A migration is frozen SQL: it imports only typeorm and other migrations, never an ' +
        'entity or a service, which change after the migration has run. Write the SQL out.',
      from: { path: '^src/database/migrations/' },
      to: { path: '^src/', pathNot: '^src/database/migrations/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'This import closes a cycle. Move what both sides need to the lower module, or let the ' +
        'lower one depend on a port in src/common that the higher one implements.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'entity-private',
      severity: 'error',
      comment:
        'An entity is private to its module. Call the owning module’s exported service and ' +
        'use the read model it returns; the root entity list (src/entities.ts) is the only ' +
        'other file that names entities.',
      from: { path: '^src/([^/]+)/' },
      to: { path: '\\.entit(y|ies)\\.ts$', pathNot: '^src/$1/' },
    },
    {
      name: 'entity-private-root',
      severity: 'error',
      comment:
        'Only the root entity list (src/entities.ts) names entities at the composition root. ' +
        'Use the owning module’s exported service instead.',
      from: { path: '^src/[^/]+\\.ts$', pathNot: '^src/entities\\.ts$' },
      to: { path: '\\.entit(y|ies)\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
