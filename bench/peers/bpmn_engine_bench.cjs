'use strict';
// bpmn-engine peer for bench/flow.sh (see the protocol at the top of flow.sh).
//
// Phase 1 starts N engines on document_approval.bpmn, every one kept running in memory and
// waiting at its first user task. The BPMN file is parsed once with bpmn-moddle and the parsed
// context is handed to every engine (the `moddleContext` option), as an application running many
// instances of one model would do. Phase 2 completes the six user tasks of every case
// round-robin over the open cases (one task per case per round): the waiting task is signalled,
// then engine.getState() is serialized to JSON and upserted into SQLite (better-sqlite3, WAL,
// synchronous=FULL) in its own committed transaction before the next completion.
//
// Prints one line: engine=bpmn-engine completions_per_s=<x> peak_rss_mb=<y>
// Progress and diagnostics go to stderr.
//
// Modules are resolved through NODE_PATH (flow.sh points it at bench/.peers/node/node_modules).

const fs = require('node:fs');
const path = require('node:path');
const { EventEmitter } = require('node:events');
const { Engine } = require('bpmn-engine');
const BpmnModdleModule = require('bpmn-moddle');
const Database = require('better-sqlite3');

const BpmnModdle = BpmnModdleModule.default || BpmnModdleModule;
const TASKS_PER_CASE = 6;

function log(msg) {
  process.stderr.write(`[bpmn-engine] ${msg}\n`);
}

function peakRssMb() {
  // Peak resident set of this process (VmHWM), in MiB.
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

function parseArgs(argv) {
  const args = { cases: 10000 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    args[key] = key === 'cases' ? Number(argv[i + 1]) : argv[i + 1];
  }
  if (!args.bpmn || !args.db || !Number.isInteger(args.cases)) {
    throw new Error('usage: bpmn_engine_bench.cjs --cases N --bpmn FILE --db FILE');
  }
  return args;
}

function openDb(path) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const mode = db.pragma('journal_mode', { simple: true });
  const sync = db.pragma('synchronous', { simple: true });
  if (mode !== 'wal' || sync !== 2) {
    throw new Error(`sqlite settings not applied: journal_mode=${mode} synchronous=${sync}`);
  }
  db.exec('CREATE TABLE IF NOT EXISTS cases (case_id INTEGER PRIMARY KEY, state TEXT NOT NULL)');
  return db;
}

// Start one case: a new engine whose listener collects the user tasks it waits on.
async function startCase(caseId, moddleContext) {
  const c = { id: caseId, waiting: [], ended: false, engine: null };
  const listener = new EventEmitter();
  listener.on('wait', (api) => {
    if (api.type === 'bpmn:UserTask') c.waiting.push(api);
  });
  c.engine = new Engine({ name: `case-${caseId}`, moddleContext });
  c.engine.once('end', () => {
    c.ended = true;
  });
  c.engine.once('error', (err) => {
    throw err;
  });
  await c.engine.execute({ listener });
  return c;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const n = args.cases;
  // The package's exports map hides package.json; read it next to the resolved entry point.
  const engineVersion = JSON.parse(fs.readFileSync(
    path.join(path.dirname(require.resolve('bpmn-engine')), '..', 'package.json'), 'utf8')).version;
  log(`bpmn-engine ${engineVersion}, node ${process.version}, sqlite ${
    new Database(':memory:').prepare('select sqlite_version() v').get().v}`);

  const moddleContext = await new BpmnModdle().fromXML(fs.readFileSync(args.bpmn, 'utf8'));
  const db = openDb(args.db);
  const upsert = db.prepare(
    'INSERT INTO cases (case_id, state) VALUES (?, ?) ' +
      'ON CONFLICT (case_id) DO UPDATE SET state = excluded.state',
  );
  const saveMany = db.transaction((rows) => {
    for (const [id, state] of rows) upsert.run(id, state);
  });

  // Phase 1: start N cases, all left open in memory. The initial states are written in one
  // transaction: starting is not what is measured, only the rows must exist.
  let t0 = performance.now();
  const cases = [];
  const initial = [];
  for (let id = 0; id < n; id++) {
    const c = await startCase(id, moddleContext);
    if (c.waiting.length !== 1) throw new Error(`case ${id}: expected one waiting task at start`);
    cases.push(c);
    initial.push([id, JSON.stringify(await c.engine.getState())]);
    if ((id + 1) % 1000 === 0) log(`phase 1: ${id + 1} cases started`);
  }
  saveMany(initial);
  const stateBytes = initial.length ? initial[0][1].length : 0;
  initial.length = 0;
  log(`phase 1: ${n} cases started in ${((performance.now() - t0) / 1000).toFixed(1)}s ` +
      `(serialized state ${stateBytes} bytes at start)`);

  // Phase 2: round-robin over open cases, one durable completion at a time. Each autocommit
  // statement of better-sqlite3 is its own transaction.
  let completions = 0;
  let open = cases;
  t0 = performance.now();
  while (open.length) {
    const stillOpen = [];
    for (const c of open) {
      const task = c.waiting.shift();
      if (!task) throw new Error(`case ${c.id}: no waiting user task`);
      task.signal();
      const state = JSON.stringify(await c.engine.getState());
      upsert.run(c.id, state);
      completions++;
      if (c.waiting.length) {
        stillOpen.push(c);
      } else {
        // The last task ran; let the engine finish its end event before checking.
        if (!c.ended) await new Promise((resolve) => setImmediate(resolve));
        if (!c.ended) throw new Error(`case ${c.id}: no waiting task and not ended`);
      }
    }
    open = stillOpen;
    log(`phase 2: ${completions} completions, ${((performance.now() - t0) / 1000).toFixed(1)}s, ` +
        `${open.length} cases open`);
  }
  const elapsed = (performance.now() - t0) / 1000;

  if (completions !== TASKS_PER_CASE * n) {
    throw new Error(`expected ${TASKS_PER_CASE * n} completions, got ${completions}`);
  }
  const rows = db.prepare('SELECT count(*) AS n FROM cases').get().n;
  if (rows !== n) throw new Error(`expected ${n} rows, found ${rows}`);
  db.close();

  const rate = elapsed > 0 ? completions / elapsed : 0;
  process.stdout.write(
    `engine=bpmn-engine completions_per_s=${rate.toFixed(1)} peak_rss_mb=${peakRssMb()}\n`,
  );
}

main().catch((err) => {
  log(`failed: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
