// Makes the demo city once for a whole run of the journeys, so each journey file's server
// starts from a copy instead of loading the city itself (scripts/e2e): a SQLite data
// directory and, with TEST_POSTGRES_URL, a PostgreSQL database to use as a template (with the
// directory holding its server's keys). Prints
// shell `export` lines naming them; `--drop` removes what an earlier run made.

import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createPostgresDatabase, startServer } from './lib.mjs';

async function make() {
  const sqlite = (async () => {
    const server = await startServer({ label: 'template-sqlite', keepData: true });
    await server.stop();
    return `export XN_E2E_SQLITE_TEMPLATE=${server.dataDir}`;
  })();
  const postgresUrl = process.env.TEST_POSTGRES_URL;
  const postgres = postgresUrl
    ? (async () => {
      const db = createPostgresDatabase(postgresUrl, { fresh: true });
      const server = await startServer({ databaseUrl: db.url, label: 'template-postgres', keepData: true });
      await server.stop();
      return `export XN_E2E_PG_TEMPLATE=${db.name}\nexport XN_E2E_PG_TEMPLATE_DIR=${server.dataDir}`;
    })()
    : Promise.resolve('');
  console.log((await Promise.all([sqlite, postgres])).filter(Boolean).join('\n'));
}

function drop() {
  for (const dir of [process.env.XN_E2E_SQLITE_TEMPLATE, process.env.XN_E2E_PG_TEMPLATE_DIR]) {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  const name = process.env.XN_E2E_PG_TEMPLATE;
  const url = process.env.TEST_POSTGRES_URL;
  if (name && url && /^[a-z0-9_]+$/.test(name)) {
    const base = new URL(url);
    execFileSync('psql', ['-X', '-q', '-h', base.hostname || '127.0.0.1', '-p', base.port || '5432',
      '-U', decodeURIComponent(base.username || 'postgres'), '-d', 'postgres',
      '-c', `drop database if exists ${name} with (force)`], { stdio: 'ignore' });
  }
}

if (process.argv.includes('--drop')) drop();
else await make();
