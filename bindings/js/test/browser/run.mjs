// The real-browser comparison: a player plays a real ladder in headless Chromium, in pairs
// of runs (once with its default ABR, once with DMOE deciding), through a server on
// 127.0.0.1 that throttles each run's media responses to a bandwidth trace (its own link,
// so runs can go in parallel). Players: hls.js (DmoeAbrController, the full agent), Shaka
// Player (DmoeShakaAbrManager) and dash.js (DmoeDashRule), both on the advisor. Traces: the
// hand-written step (trace.json) and, with DMOE_TRACES=set, windows cut from the real
// traces in ../shared/data/abr (traces.mjs). Prints each pair, per-trace means, the totals
// per player and the traces where DMOE loses; writes target/browser-results.json.
// It fails unless every run played to the end and DMOE's runs were the agent's decisions.
//
// Usage: node test/browser/run.mjs   (after build.sh; makes the media on first use)
//   .ci/run's short version: DMOE_PLAYERS=hls,shaka,dash DMOE_RUNS=1 (the step only)
//   the full comparison:     DMOE_PLAYERS=hls,shaka,dash DMOE_TRACES=set DMOE_RUNS=3 DMOE_PARALLEL=3
// Env: DMOE_PLAYERS (default hls), DMOE_TRACES (step | set; default step), DMOE_RUNS (pairs
// per trace; default 3), DMOE_PARALLEL (runs at once; default 1), DMOE_DATA (the traces'
// folder; default ../shared/data/abr beside the repository), DMOE_CHROMIUM (default
// /usr/bin/chromium), DMOE_MEDIA (default target/browser-media), DMOE_AGENT_ABR (the
// agent's `abr`), DMOE_QUICK_START=1 (hls.js adapter's `probe: false`), DMOE_ONLY=1 (DMOE's
// runs only), DMOE_TRACE=1 (the pages' decision logs), DMOE_TRACE_FILE (another step file).
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { chromium } from 'playwright-core';
import { meanMbps, traceSet } from './traces.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const pkgRoot = resolve(here, '../..');
const repo = resolve(pkgRoot, '../..');
const env = process.env;
const mediaDir = env.DMOE_MEDIA ?? join(repo, 'target/browser-media');
const chromiumPath = env.DMOE_CHROMIUM ?? '/usr/bin/chromium';
const RUN_TIMEOUT_MS = 240_000;
const CHUNK = 8 * 1024;
const LATENCY_MS = 20;
const pages = { hls: 'page.html', shaka: 'page-shaka.html', dash: 'page-dash.html' };
const sources = { hls: 'master.m3u8', shaka: 'master.mpd', dash: 'master.mpd' };
const names = { hls: 'hls.js', shaka: 'Shaka', dash: 'dash.js' };
const players = (env.DMOE_PLAYERS ?? 'hls').split(',').map((p) => p.trim()).filter(Boolean);
for (const p of players) if (!pages[p]) throw new Error(`DMOE_PLAYERS: ${p} is not one of ${Object.keys(pages).join(', ')}`);
const traces = traceSet(env.DMOE_TRACES ?? 'step', env.DMOE_TRACE_FILE ?? join(here, 'trace.json'),
  env.DMOE_DATA ?? resolve(repo, '../shared/data/abr'));
const pairs = Math.max(1, Number.parseInt(env.DMOE_RUNS ?? '3', 10) || 1);
const parallel = Math.max(1, Number.parseInt(env.DMOE_PARALLEL ?? '1', 10) || 1);
const only = env.DMOE_ONLY;

const made = spawnSync('bash', [join(here, 'make-media.sh'), mediaDir], { stdio: 'inherit' });
if (made.status !== 0) throw new Error('make-media.sh failed');
if (!existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath}: install it with apt`);

// --- the throttled links: one bottleneck per run, its capacity following the run's trace --
const links = new Map(); // run id -> { start, free, steps }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rateAt = (steps, s) => (steps.filter((step) => step.from_s <= s).at(-1) ?? steps[0]).mbps;

async function sendThrottled(req, res, body, link) {
  let closed = false;
  req.on('close', () => {
    closed = true;
  });
  await sleep(LATENCY_MS);
  for (let off = 0; off < body.length && !closed; off += CHUNK) {
    const chunk = body.subarray(off, off + CHUNK);
    const t = performance.now();
    if (link.start === null) link.start = t;
    const begin = Math.max(t, link.free);
    link.free = begin + (chunk.length * 8) / (rateAt(link.steps, (begin - link.start) / 1000) * 1e6) * 1000;
    if (link.free > t) await sleep(link.free - t);
    if (closed) break;
    if (!res.write(chunk)) await once(res, 'drain');
  }
  res.end();
}

const types = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.m3u8': 'application/vnd.apple.mpegurl',
  '.mp4': 'video/mp4', '.m4s': 'video/mp4', '.json': 'application/json',
  '.mpd': 'application/dash+xml',
};
const routes = [
  ['/hls/', join(pkgRoot, 'node_modules/hls.js/dist')],
  ['/shaka/', join(pkgRoot, 'node_modules/shaka-player/dist')],
  ['/dashjs/', join(pkgRoot, 'node_modules/dashjs/dist/modern/umd')],
  ['/page/', here],
  ['/pkg/', pkgRoot],
];

const server = http.createServer(async (req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  let file = null;
  let link = null;
  const media = /^\/media\/(\d+)\/(.*)$/.exec(path);
  if (media) {
    const f = normalize(join(mediaDir, media[2]));
    if (f.startsWith(mediaDir)) file = f;
    link = links.get(Number(media[1])) ?? null;
  }
  for (const [prefix, dir] of routes) {
    if (!file && path.startsWith(prefix)) {
      const f = normalize(join(dir, path.slice(prefix.length)));
      if (f.startsWith(dir)) file = f;
    }
  }
  if (!file || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404).end();
    return;
  }
  const body = readFileSync(file);
  res.writeHead(200, {
    'content-type': types[extname(file)] ?? 'application/octet-stream',
    'content-length': body.length,
    'cache-control': 'no-store',
  });
  if (link) await sendThrottled(req, res, body, link);
  else res.end(body);
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const base = `http://127.0.0.1:${server.address().port}`;

// --- the browser -------------------------------------------------------------------------
const profile = mkdtempSync(join(tmpdir(), 'dmoe-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: chromiumPath,
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--autoplay-policy=no-user-gesture-required',
    '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows',
  ],
});

let nextRun = 1;
async function play(player, abr, trace) {
  const id = nextRun++;
  links.set(id, { start: null, free: 0, steps: trace.steps });
  const page = await context.newPage();
  const log = [];
  page.on('console', (m) => log.push(m.text()));
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  const q = new URLSearchParams({ abr, src: `/media/${id}/${sources[player]}` });
  if (env.DMOE_AGENT_ABR) q.set('agent_abr', env.DMOE_AGENT_ABR);
  if (env.DMOE_QUICK_START) q.set('quick', '');
  if (env.DMOE_TRACE) q.set('trace', '');
  await page.goto(`${base}/page/${pages[player]}?${q}`);
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  let r;
  for (;;) {
    r = await page.evaluate(() => window.__results ?? null);
    if (r && (r.ended || r.error)) break;
    if (Date.now() > deadline) {
      r = { ...(r ?? {}), abr, error: r?.error ?? 'timed out' };
      break;
    }
    await sleep(500);
  }
  await page.close();
  links.delete(id);
  if (r.error || env.DMOE_TRACE) {
    console.log(`${names[player]} ${abr} on ${trace.name}: page log:\n${log.slice(env.DMOE_TRACE ? -400 : -30).join('\n')}`);
  }
  return r;
}

// Every (player, trace, pair, abr) run, DMOE_PARALLEL at a time.
const jobs = [];
for (const player of players) {
  for (const trace of traces) {
    for (let i = 0; i < pairs; i++) {
      for (const abr of only ? ['dmoe'] : ['default', 'dmoe']) jobs.push({ player, trace, pair: i, abr });
    }
  }
}
const t0 = performance.now();
console.log(`${jobs.length} runs: ${players.map((p) => names[p]).join(', ')} over ${traces.length} trace(s), ` +
  `${pairs} pair(s) each, ${parallel} at a time`);
try {
  let done = 0;
  const queue = jobs.slice();
  await Promise.all(Array.from({ length: parallel }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      job.result = await play(job.player, job.abr, job.trace);
      done++;
      if (jobs.length > 6) {
        const r = job.result;
        console.log(`  [${done}/${jobs.length}, ${((performance.now() - t0) / 60000).toFixed(1)} min] ${names[job.player]} ` +
          `${job.abr} on ${job.trace.name}: ${r.ended ? 'ended' : r.error}, ${r.stalls} stalls, ${r.switches} switches, ${r.avg_bitrate_kbps} kb/s`);
      }
    }
  }));
} finally {
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}

// --- what the runs show ---------------------------------------------------------------------
const failures = [];
const keys = ['stalls', 'stall_s', 'switches', 'avg_bitrate_kbps', 'startup_s'];
const mean = (rs, k) => rs.reduce((t, r) => t + (r[k] ?? 0), 0) / Math.max(1, rs.length);
const fmt = (v, k) => (k === 'avg_bitrate_kbps' ? String(Math.round(v)) : v.toFixed(k === 'stalls' || k === 'switches' ? 1 : 2));
const summary = {};
for (const job of jobs) {
  const r = job.result;
  const tag = `${names[job.player]} ${job.abr} on ${job.trace.name}, pair ${job.pair + 1}`;
  if (!r.ended || r.error) failures.push(`${tag}: did not play to the end (${r.error})`);
  if (job.abr !== 'dmoe') continue;
  const a = r.agent;
  if (job.player === 'hls') {
    if (!a || a.decisions === 0) failures.push(`${tag}: no decisions came from the agent`);
    else if (a.bound < 0.75 * (a.bound + a.unbound) || a.followed < 0.9 * a.bound) {
      failures.push(`${tag}: fewer than 75% of fragments were the agent's decisions`);
    }
  } else if (!a || a.advice === 0 || a.completed < 0.9 * (r.levels_played?.length ?? 0) || a.errors > 0) {
    failures.push(`${tag}: the advisor did not decide the run (advice ${a?.advice}, completed ${a?.completed}, errors ${a?.errors})`);
  }
}
for (const player of players) {
  console.log(`\n${names[player]}: default ABR vs DMOE, means over ${pairs} pair(s) per trace`);
  console.log(`${'trace'.padEnd(44)}${'Mb/s'.padStart(6)} | ${'stalls'.padStart(11)} | ${'stall s'.padStart(11)} | ` +
    `${'switches'.padStart(11)} | ${'kb/s'.padStart(11)} | ${'startup s'.padStart(11)}`);
  const rows = [];
  for (const trace of traces) {
    const of = (abr) => jobs.filter((j) => j.player === player && j.trace === trace && j.abr === abr).map((j) => j.result);
    const d = of('default');
    const m = of('dmoe');
    const row = { trace: trace.name, mbps: meanMbps(trace.steps), default: {}, dmoe: {} };
    for (const k of keys) {
      row.default[k] = mean(d, k);
      row.dmoe[k] = mean(m, k);
    }
    row.levels = { default: d.map((r) => r.levels_played?.join('')), dmoe: m.map((r) => r.levels_played?.join('')) };
    rows.push(row);
    console.log(`${trace.name.slice(0, 43).padEnd(44)}${row.mbps.toFixed(2).padStart(6)} | ` +
      keys.map((k) => `${fmt(row.default[k], k).padStart(5)} ${fmt(row.dmoe[k], k).padStart(5)}`).join(' | '));
  }
  const total = (abr, k) => rows.reduce((t, r) => t + r[abr][k], 0);
  const totals = Object.fromEntries(['default', 'dmoe'].map((abr) => [abr, {
    stalls: total(abr, 'stalls'), stall_s: total(abr, 'stall_s'), switches: total(abr, 'switches'),
    avg_bitrate_kbps: total(abr, 'avg_bitrate_kbps') / rows.length, startup_s: total(abr, 'startup_s') / rows.length,
  }]));
  console.log(`${'total (bitrate, start-up: mean)'.padEnd(50)} | ` +
    keys.map((k) => `${fmt(totals.default[k], k).padStart(5)} ${fmt(totals.dmoe[k], k).padStart(5)}`).join(' | '));
  console.log('(each column: default, DMOE)');
  const losses = rows.filter((r) => r.dmoe.stalls > r.default.stalls || r.dmoe.stall_s > r.default.stall_s + 0.05 ||
    r.dmoe.switches > r.default.switches || r.dmoe.avg_bitrate_kbps < 0.95 * r.default.avg_bitrate_kbps);
  if (!only) {
    console.log(`traces where DMOE loses on stalls, stall time, switches or bitrate (>5 % lower): ` +
      `${losses.length ? losses.map((r) => r.trace).join(', ') : 'none'}`);
    const t = totals;
    console.log(`over the set: DMOE ${t.dmoe.stalls <= t.default.stalls ? 'stalled no more' : 'stalled MORE'} ` +
      `(${t.dmoe.stalls.toFixed(1)} vs ${t.default.stalls.toFixed(1)}), stall time ${t.dmoe.stall_s.toFixed(2)} vs ${t.default.stall_s.toFixed(2)} s, ` +
      `switches ${t.dmoe.switches.toFixed(1)} vs ${t.default.switches.toFixed(1)}, ` +
      `bitrate ${((t.dmoe.avg_bitrate_kbps / t.default.avg_bitrate_kbps - 1) * 100).toFixed(1)} %`);
  }
  summary[player] = { rows, totals, losses: losses.map((r) => r.trace) };
}
mkdirSync(join(repo, 'target'), { recursive: true });
writeFileSync(join(repo, 'target/browser-results.json'), JSON.stringify({
  players, pairs, traces: traces.map((t) => ({ name: t.name, steps: t.steps })), summary,
  runs: jobs.map((j) => ({ player: j.player, trace: j.trace.name, pair: j.pair, abr: j.abr, result: j.result })),
}, null, 2));
console.log(`\n${jobs.length} runs in ${((performance.now() - t0) / 60000).toFixed(1)} min; target/browser-results.json written`);
if (failures.length) {
  console.error(`FAIL:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('browser test: ok');
