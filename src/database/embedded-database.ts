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
 * Embedded PostgreSQL (PGlite) served over the wire protocol on a loopback port, so the app
 * keeps one driver path and one set of migrations. `dataDir` undefined keeps it in memory
 * (tests); otherwise the cluster lives under `<dataDir>/pgdata` and survives restarts.
 */
export async function startEmbeddedDatabase(dataDir?: string): Promise<EmbeddedDatabase> {
  let db: PGlite;
  if (dataDir) {
    const directory = join(resolve(dataDir), 'pgdata');
    mkdirSync(directory, { recursive: true });
    db = await PGlite.create({ dataDir: directory });
  } else {
    db = await PGlite.create();
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
