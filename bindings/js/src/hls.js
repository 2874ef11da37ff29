// DmoeAbrController: the DMOE agent as hls.js's ABR controller.
//
//   await init();
//   const hls = new Hls({ abrController: DmoeAbrController });
//
// hls.js keeps parsing, loading and buffering; the agent decides. The adapter hands the
// agent the ladder hls.js parsed (level i = rendition i) and every segment list hls.js
// loads (LEVEL_UPDATED), typed: nothing is fetched or parsed twice, and the package's
// wasm carries no manifest parser. When the agent needs a level's list first, that level
// is what `nextAutoLevel` answers, so hls.js loads it. Each main fragment hls.js loads is
// bound to the agent's own fetch decision for that segment: the request is reported to the
// agent as started, in progress (every 100 ms) and completed, so the agent's estimators
// see what hls.js downloads. `nextAutoLevel` is the level of the agent's pending fetch;
// an `abandon` decision aborts the in-flight fragment and switches down, as hls.js's own
// emergency switch does (FRAG_LOAD_EMERGENCY_ABORTED). Options come from `hls.config.dmoe`:
//
//   { config: {...agent Config keys...}, cmcd: 'query' | 'header' | undefined,
//     probe: false | undefined, onDecision(output), onTelemetry(json), onDiagnostic(message) }
//
// The agent's ABR defaults to 'hybrid-stable' here (a step up needs a clear, lasting gain:
// fewer visible quality changes); `config: { abr: 'hybrid' }` picks the default hybrid.
// Start-up follows hls.js's `testBandwidth` (on by default), as a drop-in should: hls.js
// downloads one fragment of the lowest level to measure, the agent takes it as its first
// sample and starts at the level whose first fragment arrives within its start-up budget.
// `probe: false` turns the test off for the agent's quick start instead: the first
// fragment at the lowest level, played at once (a much shorter start-up, then a switch up).
//
// With `cmcd` set, pass `xhrSetup: DmoeAbrController.xhrSetup` in the hls.js config too:
// the agent's CMCD keys for each bound fragment are attached to its request.
import { createAgent, drain } from './agent.js';

const PROGRESS_MS = 100;
// The getter hls.js polls refreshes the agent's buffer level at most this often.
const BUFFER_REFRESH_MS = 50;
const MEDIA_EVENTS = ['playing', 'waiting', 'pause', 'seeking', 'ended', 'timeupdate'];
const controllers = new Set();

const now = () => performance.now();

function stripQuery(url) {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** A level's playlist URL (hls.js 1.x keeps redundant URLs in an array). */
function levelUrl(level) {
  return level.uri ?? (Array.isArray(level.url) ? level.url[0] : level.url) ?? '';
}

/** A fragment's byte range as [offset, length], or [] when it has none. */
function range(frag) {
  const [start, end] = frag.byteRange ?? [];
  return end > start ? [start, end - start] : [];
}

/** hls.js's `bwEstimator` contract, answered from the agent's own estimate. */
class EstimatorShim {
  constructor(defaultEstimate) {
    this.defaultEstimate = defaultEstimate;
    this.measured = 0; // bps, from the agent's CMCD `mtp`
    this.ttfb = 100; // ms, EWMA of observed fragment TTFB
  }
  getEstimate() {
    return this.measured > 0 ? this.measured : this.defaultEstimate;
  }
  getEstimateTTFB() {
    return this.ttfb;
  }
  canEstimate() {
    return this.measured > 0;
  }
}

export class DmoeAbrController {
  /** @param {import('hls.js').default} hls */
  constructor(hls) {
    this.hls = hls;
    this.options = hls.config.dmoe ?? {};
    this.E = hls.constructor.Events;
    this.bwEstimator = new EstimatorShim(hls.config.abrEwmaDefaultEstimate ?? 500000);
    if (this.options.probe === false) hls.config.testBandwidth = false;
    this.agent = null;
    // The rendition whose segment list the agent waits for (hls.js loads it when that level
    // is what nextAutoLevel answers), or -1.
    this.wanted = -1;
    this.pending = [];
    this.inflight = null;
    this.lastLevel = -1;
    this.firstLevel = -1;
    this.forced = -1;
    this.progressTimer = null;
    this.tickTimer = null;
    this.lastPositionAt = -Infinity;
    this.bufferFedAt = -Infinity;
    /** Counters a page or test can read. */
    this.stats = { decisions: 0, bound: 0, followed: 0, unbound: 0, abandons: 0, errors: 0 };
    this.unbound = null;
    this.onMedia = this.onMedia.bind(this);
    this.listeners = [
      [this.E.MANIFEST_LOADING, this.reset],
      [this.E.LEVEL_UPDATED, this.onLevelUpdated],
      [this.E.MEDIA_ATTACHED, this.onMediaAttached],
      [this.E.MEDIA_DETACHING, this.onMediaDetaching],
      [this.E.FRAG_LOADING, this.onFragLoading],
      [this.E.FRAG_LOADED, this.onFragLoaded],
      [this.E.FRAG_BUFFERED, this.feedBuffer],
      [this.E.ERROR, this.onError],
    ];
    for (const [event, fn] of this.listeners) hls.on(event, fn, this);
    if (hls.media) this.onMediaAttached(null, { media: hls.media });
    controllers.add(this);
  }

  // --- hls.js's AbrComponentAPI --------------------------------------------------------

  get firstAutoLevel() {
    this.ensureAgent();
    if (this.firstLevel >= 0) return this.clamp(this.firstLevel);
    return this.clamp(this.lastLevel >= 0 ? this.lastLevel : 0);
  }

  get forcedAutoLevel() {
    return this.forced;
  }

  get nextAutoLevel() {
    if (this.forced >= 0) return this.forced;
    this.ensureAgent();
    if (now() - this.bufferFedAt >= BUFFER_REFRESH_MS) this.feedBuffer();
    const next = this.pending.find((f) => f.kind === 'media') ?? this.pending[0];
    if (next) return this.clamp(this.level(next.rendition));
    // A decision waiting on a playlist is for that playlist's rendition.
    if (this.wanted >= 0) return this.clamp(this.level(this.wanted));
    return this.lastLevel >= 0 ? this.clamp(this.lastLevel) : this.firstAutoLevel;
  }

  set nextAutoLevel(level) {
    // The error controller (or the app) pushes a level for the next fragment.
    this.forced = Number.isInteger(level) && level >= 0 ? level : -1;
  }

  resetEstimator(bps) {
    // The app set hls.bandwidthEstimate: it becomes the shim's default until the agent
    // has measured. The agent keeps its own estimators (they are not seeded from here).
    if (bps > 0) this.bwEstimator.defaultEstimate = bps;
  }

  destroy() {
    for (const [event, fn] of this.listeners) this.hls.off(event, fn, this);
    this.onMediaDetaching();
    this.stopTimers();
    this.agent?.free();
    this.agent = null;
    controllers.delete(this);
  }

  // --- CMCD ----------------------------------------------------------------------------

  /** For hls.js's `xhrSetup`: attaches the agent's CMCD keys to a bound fragment request. */
  static xhrSetup(xhr, url) {
    for (const c of controllers) {
      const f = c.inflight?.fetch;
      if (!f?.cmcd || stripQuery(f.url) !== stripQuery(url)) continue;
      if (f.headers.length) {
        xhr.open('GET', url, true);
        for (const [k, v] of f.headers) xhr.setRequestHeader(k, v);
      } else {
        const q = f.url.indexOf('CMCD=');
        if (q >= 0) {
          xhr.open('GET', `${url}${url.includes('?') ? '&' : '?'}${f.url.slice(q)}`, true);
        }
      }
      return;
    }
  }

  // --- the agent ------------------------------------------------------------------------

  ensureAgent() {
    const levels = this.hls.levels;
    if (this.agent || !levels?.length) return;
    const cmcd = this.options.cmcd;
    const config = {
      // Buffer a little past hls.js's own target, so a decision is waiting whenever
      // hls.js wants the next fragment.
      max_buffer_ms: ((this.hls.config.maxBufferLength ?? 30) + 10) * 1000,
      abr: 'hybrid-stable',
      // hls.js loads one fragment at a time and runs no side requests: no probes.
      probes: false,
      // CMCD keys are always computed (the estimator shim reads `mtp`); they go on the
      // wire only when the app asked for them.
      cmcd: { mode: cmcd === 'header' ? 'header' : cmcd === 'query' ? 'query' : 'json' },
      ...this.options.config,
    };
    this.agent = createAgent(config);
    this.call((a) => {
      for (const level of levels) {
        const codecs = [level.videoCodec, level.audioCodec].filter(Boolean).join(',');
        a.addRendition(
          Math.max(0, Math.round(level.maxBitrate || level.bitrate || 0)),
          level.averageBitrate > 0 ? Math.round(level.averageBitrate) : undefined,
          level.width || undefined,
          level.height || undefined,
          level.frameRate > 0 ? level.frameRate : undefined,
          codecs || undefined,
          levelUrl(level),
        );
      }
      a.ladderLoaded(now(), this.hls.url ?? location.href);
    });
    // The lists hls.js already holds.
    levels.forEach((level, i) => {
      if (level.details) this.feedSegments(i, level.details);
    });
  }

  /** Hands the agent the segment list hls.js parsed for `level`. */
  feedSegments(level, details) {
    if (!this.agent) return;
    if (this.wanted === level) this.wanted = -1;
    this.call((a) => {
      const inits = [];
      for (const frag of details.fragments ?? []) {
        if (!(frag.duration > 0) || !(frag.start >= 0) || typeof frag.sn !== 'number') continue;
        let init;
        const is = frag.initSegment;
        if (is) {
          const key = `${is.url}|${is.byteRange ?? ''}`;
          init = inits.indexOf(key);
          if (init < 0) {
            init = inits.push(key) - 1;
            a.addInit(is.url, ...range(is));
          }
        }
        const [offset, length] = range(frag);
        a.addSegment(frag.sn, frag.start * 1000, frag.duration * 1000, frag.url, offset, length, init);
      }
      const target = details.targetduration > 0 ? details.targetduration * 1000 : undefined;
      a.segmentsLoaded(now(), level, !details.live, target);
    });
  }

  level(rendition) {
    return rendition;
  }

  clamp(level) {
    const { minAutoLevel, maxAutoLevel } = this.hls;
    return Math.min(Math.max(level, minAutoLevel ?? 0), maxAutoLevel ?? level);
  }

  /** Runs one input and handles every decision it produced. */
  call(input) {
    if (!this.agent) return;
    try {
      input(this.agent);
    } catch (e) {
      this.stats.errors++;
      this.options.onDiagnostic?.(`dmoe: ${e.code ?? 'error'}: ${e.message}`);
      if (e.code === 'panic') {
        this.agent = null;
        return;
      }
    }
    let outputs;
    try {
      outputs = drain(this.agent);
    } catch (e) {
      this.stats.errors++;
      return;
    }
    for (const o of outputs) this.handle(o);
  }

  handle(o) {
    this.options.onDecision?.(o);
    switch (o.type) {
      case 'fetch':
        this.stats.decisions++;
        this.noteChoice(o);
        if (!this.bindLate(o)) this.pending.push(o);
        break;
      case 'abandon':
        this.onAbandon(o);
        break;
      case 'load_playlist': {
        // hls.js loads and refreshes lists itself: hand over the one it holds, or wait
        // for it (nextAutoLevel points hls.js at that level meanwhile). A list wanted
        // ahead of need (another pathway's) is skipped: hls.js loads lists as it switches.
        if (o.prefetch) break;
        if (this.firstLevel < 0) this.firstLevel = this.level(o.rendition);
        const details = this.hls.levels?.[o.rendition]?.details;
        this.wanted = o.rendition;
        if (details) this.feedSegments(o.rendition, details);
        break;
      }
      case 'set_playback_rate':
        if (this.media) this.media.playbackRate = o.rate;
        break;
      case 'telemetry':
        this.options.onTelemetry?.(o.json);
        break;
      case 'diagnostic':
        this.options.onDiagnostic?.(o.message);
        break;
      case 'timeout': {
        clearTimeout(this.tickTimer);
        const wait = Math.max(0, o.at_ms - now());
        this.tickTimer = setTimeout(() => this.call((a) => a.tick(now())), wait);
        break;
      }
      case 'end':
        // The session is over: no timeout follows.
        this.stopTimers();
        break;
      default:
        // load_manifest / load_steering: hls.js reloads manifests and runs content
        // steering itself; probes and cancels are off in this configuration.
        break;
    }
  }

  noteChoice(f) {
    const level = this.level(f.rendition);
    if (f.kind === 'media') this.lastLevel = level;
    if (this.firstLevel < 0) this.firstLevel = level;
    if (f.cmcd?.mtp) this.bwEstimator.measured = f.cmcd.mtp * 1000;
  }

  // --- hls.js events ----------------------------------------------------------------------

  reset() {
    this.stopTimers();
    this.agent?.free();
    this.agent = null;
    this.pending = [];
    this.inflight = null;
    this.wanted = -1;
    this.lastLevel = this.firstLevel = this.forced = -1;
  }

  onLevelUpdated(_event, { level, details }) {
    this.feedSegments(level, details);
  }

  /** Takes the agent's pending decision for the fragment hls.js is about to load. */
  bind(frag) {
    const init = frag.sn === 'initSegment';
    const kind = init ? 'init' : 'media';
    const same = (f) => f.kind === kind && this.level(f.rendition) === frag.level;
    let i = this.pending.findIndex((f) => same(f) && (init || f.segment === frag.sn));
    if (i < 0 && !init) {
      // The agent asked for an init segment hls.js already holds: a cache hit for the agent.
      const j = this.pending.findIndex((f) => f.kind === 'init');
      if (j >= 0 && this.pending.length === 1) {
        const [cached] = this.pending.splice(j, 1);
        this.call((a) => a.requestStarted(now(), cached.id));
        this.call((a) => a.requestCompleted(now(), cached.id, 0, 0));
      }
      i = this.pending.findIndex((f) => f.kind === 'media' && f.segment === frag.sn);
      if (i < 0) i = this.pending.findIndex((f) => f.kind === 'media');
    }
    if (i < 0 && init) i = this.pending.findIndex((f) => f.kind === 'init');
    if (i < 0) return null;
    return this.pending.splice(i, 1)[0];
  }

  onFragLoading(_event, { frag }) {
    if (frag.type !== 'main') return;
    this.forced = -1;
    if (this.inflight?.frag.stats.loading.end > 0) this.complete(this.inflight);
    this.ensureAgent();
    this.feedBuffer();
    const init = frag.sn === 'initSegment';
    // hls.js may ask for the fragment while its init segment is still arriving; the agent
    // decides the fragment only once it knows the init segment is in.
    if (!init && this.inflight?.fetch.kind === 'init') this.complete(this.inflight);
    const fetch = this.bind(frag);
    this.options.onTrace?.(`frag ${frag.sn} level ${frag.level}: ${fetch ? `fetch ${fetch.id}` : 'unbound'}`);
    if (!fetch) {
      // Bound later if the agent's decision for exactly this fragment arrives while it loads.
      this.unbound = frag;
      this.stats.unbound++;
      return;
    }
    this.start(fetch, frag, 0);
  }

  /** Reports `frag`'s load to the agent as its request `fetch` (bytes before `offset` unseen). */
  start(fetch, frag, offset) {
    this.stats.bound++;
    if (this.level(fetch.rendition) === frag.level) this.stats.followed++;
    if (this.unbound === frag) this.unbound = null;
    this.inflight = { fetch, frag, offset };
    this.call((a) => a.requestStarted(now(), fetch.id));
    clearInterval(this.progressTimer);
    this.progressTimer = setInterval(() => this.onProgress(), PROGRESS_MS);
  }

  /** A decision that arrived while hls.js was already loading that very fragment. */
  bindLate(fetch) {
    const frag = this.unbound;
    if (!frag || this.inflight || frag.stats.loading.end > 0 || frag.stats.aborted) return false;
    const init = frag.sn === 'initSegment';
    const kind = init ? 'init' : 'media';
    if (fetch.kind !== kind || this.level(fetch.rendition) !== frag.level) return false;
    if (!init && fetch.segment !== frag.sn) return false;
    this.stats.unbound--;
    this.start(fetch, frag, frag.stats.loaded || 0);
    return true;
  }

  onProgress() {
    const f = this.inflight;
    if (!f) return;
    const stats = f.frag.stats;
    if (stats.aborted) {
      // hls.js dropped the request itself (a seek, a level switch it forced): not a
      // failure of the server, so the agent counts nothing and retries nothing.
      this.finish(f, (a) => a.requestCancelled(now(), f.fetch.id));
      return;
    }
    if (stats.loading.end > 0) {
      this.complete(f);
      return;
    }
    const bytes = stats.loaded - f.offset;
    if (bytes > 0) this.call((a) => a.requestProgress(now(), f.fetch.id, bytes));
    this.feedBuffer();
  }

  onFragLoaded(_event, { frag }) {
    const f = this.inflight;
    if (!f || f.frag !== frag) return;
    this.complete(f);
    if (frag.bitrateTest) {
      // hls.js's start-up bandwidth test (`testBandwidth`): measured, never buffered,
      // and hls.js loads that position again. The agent keeps the sample and restarts
      // fetching there with an empty buffer.
      this.pending = [];
      this.wanted = -1;
      this.call((a) => a.seek(now(), frag.start * 1000));
    }
  }

  /** Reports a finished load (init segments get no FRAG_LOADED: the timer sees them end). */
  complete(f) {
    const s = f.frag.stats;
    const late = f.offset > 0;
    const ttfb = s.loading.first > 0 && !late ? Math.max(0, s.loading.first - s.loading.start) : 0;
    if (!late) this.bwEstimator.ttfb += (ttfb - this.bwEstimator.ttfb) * 0.3;
    const bytes = Math.max(0, (s.loaded || s.total || 0) - f.offset);
    this.finish(f, (a) => a.requestCompleted(now(), f.fetch.id, bytes, ttfb));
  }

  onError(_event, data) {
    const f = this.inflight;
    if (!f || data.frag !== f.frag) return;
    const status = data.response?.code;
    this.finish(f, (a) =>
      status >= 400
        ? a.requestFailed(now(), f.fetch.id, 'http', status)
        : a.requestFailed(now(), f.fetch.id, /TIMEOUT/i.test(data.details) ? 'timeout' : 'connection'),
    );
  }

  finish(f, input) {
    clearInterval(this.progressTimer);
    this.progressTimer = null;
    this.inflight = null;
    this.call(input);
  }

  onAbandon(o) {
    const f = this.inflight;
    this.pending.unshift(o.refetch);
    this.noteChoice(o.refetch);
    if (!f || f.fetch.id !== o.id) return;
    this.stats.abandons++;
    clearInterval(this.progressTimer);
    this.progressTimer = null;
    this.inflight = null;
    const level = this.clamp(this.level(o.refetch.rendition));
    this.hls.nextLoadLevel = level;
    f.frag.abortRequests();
    this.hls.trigger(this.E.FRAG_LOAD_EMERGENCY_ABORTED, {
      frag: f.frag,
      part: undefined,
      stats: f.frag.stats,
    });
  }

  feedBuffer() {
    if (!this.agent) return;
    this.bufferFedAt = now();
    const len = this.hls.mainForwardBufferInfo?.len ?? 0;
    this.call((a) => a.buffer(now(), Math.max(0, len) * 1000));
  }

  onMediaAttached(_event, { media }) {
    this.media = media;
    for (const e of MEDIA_EVENTS) media.addEventListener(e, this.onMedia);
  }

  onMediaDetaching() {
    const media = this.media;
    if (!media) return;
    for (const e of MEDIA_EVENTS) media.removeEventListener(e, this.onMedia);
    this.media = null;
  }

  onMedia(ev) {
    const media = this.media;
    if (!media || !this.agent) return;
    const t = now();
    switch (ev.type) {
      case 'playing':
        this.call((a) => a.playback(t, 'playing', media.playbackRate || 1));
        break;
      case 'waiting':
        this.call((a) => a.playback(t, 'stalled', media.playbackRate || 1));
        break;
      case 'pause':
        if (!media.ended) this.call((a) => a.playback(t, 'paused', media.playbackRate || 1));
        break;
      case 'ended':
        this.call((a) => a.playback(t, 'ended', media.playbackRate || 1));
        break;
      case 'seeking':
        this.pending = [];
        this.wanted = -1;
        this.call((a) => a.seek(t, media.currentTime * 1000));
        break;
      case 'timeupdate':
        if (t - this.lastPositionAt >= 1000) {
          this.lastPositionAt = t;
          this.call((a) => a.position(t, media.currentTime * 1000));
        }
        break;
      default:
        break;
    }
  }

  stopTimers() {
    clearInterval(this.progressTimer);
    clearTimeout(this.tickTimer);
    this.progressTimer = this.tickTimer = null;
  }
}
