// The networks the browser comparison plays over: the hand-written step (trace.json) and
// windows cut from the real traces in ../shared/data/abr (FCC broadband, HSDPA 3G commutes,
// Puffer viewer sessions, 5G drives with fallback, US cellular drives), each cut to the
// first WINDOW_S seconds of its file (the 60 s of media, start-up and any stalls), looped
// when the file is shorter. Which files: for each family, files at fixed positions of the
// sorted listing, so the set is the same on every machine. Nothing here was tuned on them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const WINDOW_S = 120;
// family folder, label, positions in the sorted listing (fractions of its length)
const FAMILIES = [
  ['fcc', 'fcc', [0.25, 0.75]],
  ['hsdpa', 'hsdpa', [0.25, 0.75]],
  ['train/puffer-2021-10-17', 'puffer', [0.25, 0.75]],
  ['train/ucc-5g-download', '5g', [0.5]],
  ['train/mahimahi-cellular', 'cellular', [0.5]],
];

/** `time_s Mbps` lines as steps `{ from_s, mbps }` over the first WINDOW_S seconds. */
function cut(text) {
  const rows = text.split('\n').map((l) => l.trim().split(/\s+/).map(Number))
    .filter((r) => r.length >= 2 && Number.isFinite(r[0]) && Number.isFinite(r[1]));
  if (rows.length < 2) return null;
  const t0 = rows[0][0];
  const period = rows.at(-1)[0] - t0;
  if (!(period > 0)) return null;
  const steps = [];
  for (let lap = 0; steps.length === 0 || steps.at(-1).from_s < WINDOW_S; lap++) {
    for (const [t, mbps] of rows) {
      const from = lap * period + (t - t0);
      if (from >= WINDOW_S) break;
      if (lap > 0 && t === t0) continue;
      steps.push({ from_s: Math.round(from * 1000) / 1000, mbps: Math.max(0.05, mbps) });
    }
    if (lap > 1000) break;
  }
  return steps;
}

/**
 * The trace set: `[{ name, steps }]`, the step first. `which` is `step` (the step only) or
 * `set` (the step and the real cuts; the real ones are left out, with a printed reason,
 * when `dataDir` is absent).
 */
export function traceSet(which, stepFile, dataDir) {
  const step = JSON.parse(readFileSync(stepFile, 'utf8')).steps;
  const set = [{ name: 'step', steps: step }];
  if (which === 'step') return set;
  if (!existsSync(dataDir)) {
    console.log(`SKIPPED: the real traces (${dataDir} is absent); the step trace only`);
    return set;
  }
  for (const [folder, label, positions] of FAMILIES) {
    const dir = join(dataDir, folder);
    if (!existsSync(dir)) {
      console.log(`SKIPPED: ${dir} is absent`);
      continue;
    }
    const files = readdirSync(dir).filter((f) => !f.startsWith('.') && !f.endsWith('.md')).sort();
    for (const p of positions) {
      const file = files[Math.min(files.length - 1, Math.floor(p * files.length))];
      const steps = cut(readFileSync(join(dir, file), 'utf8'));
      if (steps) set.push({ name: `${label}:${file}`, steps });
    }
  }
  return set;
}

/** Mean capacity of a trace over its first `seconds`. */
export function meanMbps(steps, seconds = 60) {
  let total = 0;
  for (let i = 0; i < steps.length && steps[i].from_s < seconds; i++) {
    const end = Math.min(seconds, steps[i + 1]?.from_s ?? seconds);
    total += steps[i].mbps * (end - steps[i].from_s);
  }
  return total / seconds;
}
