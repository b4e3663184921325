// bench/forest_threads: where a multi-thread forest fit's time goes (issue 19.1: 2 threads ≥ 1.8×
// one thread). Trains bench/forest.mjs's synthetic table (100 trees of depth 10) through
// ForestTrainer.openAsync + train, one child process per (rows, threads), and prints per phase —
// open (edges and table binned on every thread), grow (the pool's fit), assembly (the model from
// the trees), close — its wall time and each thread's CPU seconds and run-queue wait, read from
// /proc/self/task/TID/schedstat (nanoseconds on a CPU, nanoseconds runnable but not running). So
// the serial part (main-thread CPU while the workers idle), the workers' idle time (wall minus
// CPU minus wait) and what the load took (wait) are told apart on a shared machine. Also: the
// 1-thread fit's grow CPU against the 2-thread workers' sum (memory-bandwidth or cache contention
// shows as more CPU for the same trees), the tail (from the first worker's last tree to the
// fit's end), the model's sha256, and the critical path: per phase the busiest thread's CPU
// seconds plus its idle time (the fit's time had each thread a core of its own), whose 1-thread /
// 2-thread ratio is the scaling the load does not blur (the load still inflates CPU seconds a
// little: other processes share the caches). Alternate builds with --dist for before/after.
//
//   node bench/forest_threads.mjs [--rows 1000000,2500000] [--threads 1,2] [--dist OTHER/dist]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generate } from './_forestTable.mjs';

const PARAMS = { nTrees: 100, maxDepth: 10, seed: 1 };

/** Per thread id: [ns on a CPU, ns waiting for one]. */
function threadTimes() {
  const out = new Map();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const [run, wait] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      out.set(tid, [run, wait]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

async function child(rows, threads, dist) {
  const mod = (p) => import(pathToFileURL(join(dist, p)).href);
  const { ForestTrainer } = await mod('model/forest/forestTrainer.js');
  const { GrowPool } = await mod('model/forest/growPool.js');
  const { FEATURE_NAMES } = await mod('features/spec.js');
  const { cols, labels } = generate(rows, 1);
  const data = { columns: cols, labels, nRows: rows, featureNames: [...FEATURE_NAMES] };
  globalThis.gc?.();
  const main = String(process.pid);
  const marks = [];
  const mark = (name) => marks.push({ name, t: performance.now(), times: threadTimes() });
  // The grow phase: GrowPool.grow's span, or the trainer's own loop at 1 thread (in train, before
  // the model is assembled); the fit options are their last argument.
  const finished = [];
  const timeGrow = (proto, name) => {
    const grow = proto[name];
    proto[name] = async function (...args) {
      mark('grow');
      const opts = args[args.length - 1];
      args[args.length - 1] = { ...opts, onTree: (d, n) => (finished.push(performance.now()), opts.onTree?.(d, n)) };
      try {
        return await grow.apply(this, args);
      } finally {
        mark('assembly');
      }
    };
  };
  timeGrow(GrowPool.prototype, 'grow');
  timeGrow(ForestTrainer.prototype, 'growInProcess');
  mark('open');
  const trainer = await ForestTrainer.openAsync(data, { threads, maxBins: 255, seed: PARAMS.seed });
  mark('train');
  const model = await trainer.train({ ...PARAMS, threads });
  mark('close');
  await trainer.close();
  mark('end');
  // Phases: open → (train → grow: sending the fit) → grow → assembly → close → end.
  const phases = [];
  for (let k = 0; k + 1 < marks.length; k++) {
    const [a, b] = [marks[k], marks[k + 1]];
    const perThread = [];
    for (const [tid, [run, wait]] of b.times) {
      const [run0, wait0] = a.times.get(tid) ?? [0, 0];
      const cpu = (run - run0) / 1e9;
      if (cpu >= 0.02 || tid === main) perThread.push({ tid, main: tid === main, cpu, wait: (wait - wait0) / 1e9 });
    }
    perThread.sort((x, y) => +y.main - +x.main || y.cpu - x.cpu);
    phases.push({ phase: a.name, wall: (b.t - a.t) / 1000, threads: perThread });
  }
  const growMark = marks.find((m) => m.name === 'grow');
  const end = marks.find((m) => m.name === 'assembly').t;
  const sha256 = createHash('sha256').update(model.toBuffer()).digest('hex');
  // With w workers, the first of them to run out of trees stops at about the w-th last finish.
  const tailFrom = finished.length >= threads ? finished[finished.length - threads] : end;
  console.log(JSON.stringify({ rows, threads, phases, tail: (end - tailFrom) / 1000, growWall: (end - growMark.t) / 1000, sha256 }));
}

function option(args, name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
}

const f = (v, d = 2) => v.toFixed(d);

function print(r) {
  console.log(`\n${r.rows} rows, ${r.threads} thread(s): model sha256 ${r.sha256.slice(0, 16)}…; load ${r.load}`);
  console.log('| phase | wall s | main CPU s (wait) | other threads CPU s (wait, idle) |');
  console.log('|---|---|---|---|');
  for (const p of r.phases) {
    const m = p.threads.find((t) => t.main);
    // A thread busy for a good part of the phase (a worker) also shows its idle time: neither on a CPU nor waiting for one.
    const busy = (t) => (t.cpu > p.wall / 4 ? `, idle ${f(p.wall - t.cpu - t.wait)}` : '');
    const others = p.threads.filter((t) => !t.main).map((t) => `${f(t.cpu)} (${f(t.wait)}${busy(t)})`).join(', ');
    console.log(`| ${p.phase} | ${f(p.wall)} | ${f(m.cpu)} (${f(m.wait)}) | ${others || '—'} |`);
  }
  const total = r.phases.reduce((s, p) => s + p.wall, 0);
  const cpu = r.phases.reduce((s, p) => s + p.threads.reduce((a, t) => a + t.cpu, 0), 0);
  console.log(`total ${f(total)} s wall, ${f(cpu)} CPU s, critical path ${f(criticalPath(r))} CPU s; grow ${f(r.growWall)} s of which the tail (a worker out of trees) ${f(r.tail)} s`);
}

/**
 * The fit's time with a core for each of its threads: per phase the busiest thread's CPU seconds
 * plus what the other threads' idle time adds (a worker out of trees, or waiting for the main thread).
 */
function criticalPath(r) {
  return r.phases.reduce((s, p) => {
    const busiest = Math.max(...p.threads.map((t) => t.cpu));
    // Wall time the busiest thread spent neither running nor waiting: it was held up by another thread.
    const top = p.threads.find((t) => t.cpu === busiest);
    return s + busiest + Math.max(0, p.wall - top.cpu - top.wait);
  }, 0);
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  await child(Number(args[1]), Number(args[2]), args[3]);
} else {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const dist = option(args, '--dist', join(here, '../dist'));
  for (const rows of option(args, '--rows', '1000000,2500000').split(',').map(Number)) {
    let one;
    for (const threads of option(args, '--threads', '1,2').split(',').map(Number)) {
      const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', String(rows), String(threads), dist], { encoding: 'utf8', maxBuffer: 1 << 24 });
      process.stderr.write(r.stderr);
      if (r.status !== 0) throw new Error(`child failed (${r.status}):\n${r.stderr}`);
      const out = JSON.parse(r.stdout.trim().split('\n').pop());
      print({ ...out, load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') });
      if (threads === 1) one = out;
      else if (one) console.log(`${threads} threads against 1 on critical-path CPU seconds: ${f(criticalPath(one) / criticalPath(out))}×`);
    }
  }
}
