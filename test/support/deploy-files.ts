import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The repository's root, from dist-test/test/support. */
export const REPOSITORY = join(__dirname, '..', '..', '..');

/** The one-shot migration command, the same in the compose stack and the Kubernetes Job. */
export const MIGRATION_COMMAND = [
  'node',
  'node_modules/typeorm/cli.js',
  'migration:run',
  '-d',
  'dist/ormconfig.js',
  '--transaction',
  'each',
];

export function repositoryFile(path: string): string {
  return readFileSync(join(REPOSITORY, path), 'utf8');
}

/**
 * Every YAML document of a file, as plain data. A syntax error, a duplicate key or a YAML
 * warning fails: a manifest the tools would read differently is no manifest. Merge keys (`<<`)
 * are read as Docker Compose reads them.
 */
export function yamlDocuments(path: string): unknown[] {
  return parseAllDocuments(repositoryFile(path), { merge: true, uniqueKeys: true }).flatMap(
    (document) => {
      const problems = [...document.errors, ...document.warnings];
      if (problems.length > 0) {
        throw new Error(`${path}: ${problems.map((p) => p.message).join('; ')}`);
      }
      const data: unknown = document.toJS({ maxAliasCount: 100 });
      return data === null ? [] : [data];
    },
  );
}

/** The one YAML document of a file. */
export function yamlDocument(path: string): unknown {
  const documents = yamlDocuments(path);
  if (documents.length !== 1) throw new Error(`${path}: ${documents.length} documents`);
  return documents[0];
}

/** Files under a folder of the repository whose names end in one of `endings`, sorted. */
export function filesUnder(folder: string, endings: string[]): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return walk(path);
      return endings.some((ending) => name.endsWith(ending)) ? [path] : [];
    });
  return walk(join(REPOSITORY, folder))
    .map((path) => relative(REPOSITORY, path))
    .sort();
}
