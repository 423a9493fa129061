import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedDatabase {
  /** A postgres:// URL that the ordinary `pg` driver connects to. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * PostgreSQL settings of the embedded database. PGlite's WebAssembly memory grows as pages are
 * touched and never shrinks, so PostgreSQL's default 128 MB of shared buffers made the process
 * grow for as long as the data did. 16 MB bounds that; the operating system's page cache still
 * holds the data files behind it (decision 0323).
 */
const EMBEDDED_SETTINGS = ['-c', 'shared_buffers=16MB'];

/**
 * Embedded PostgreSQL (PGlite) served over the wire protocol on a loopback port, so the app
 * keeps one driver path and one set of migrations. `dataDir` undefined keeps it in memory
 * (tests); otherwise the cluster lives under `<dataDir>/pgdata` and survives restarts.
 */
export async function startEmbeddedDatabase(dataDir?: string): Promise<EmbeddedDatabase> {
  const startParams = [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS];
  let db: PGlite;
  if (dataDir) {
    const directory = join(resolve(dataDir), 'pgdata');
    mkdirSync(directory, { recursive: true });
    db = await PGlite.create({ dataDir: directory, startParams });
  } else {
    db = await PGlite.create({ startParams });
  }
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
  await server.start();
  const address = server.getServerConn();
  return {
    url: `postgres://postgres@${address}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
