// The part every advisor-mode adapter shares (Shaka, dash.js): one DMOE advisor session, the
// media element's facts fed to it (state, position, buffer), its timeouts answered, and the
// player's transfers reported under ids of their own. A player adapter maps its plug-in API
// onto `ladder`, `advise` and the `transfer*` calls; the decisions are the advisor's.
import { createAdvisor, drain } from './agent.js';

const now = () => performance.now();
const MEDIA_EVENTS = ['playing', 'waiting', 'pause', 'seeking', 'ended', 'timeupdate', 'ratechange'];
// The buffer level is re-read at most this often from `timeupdate`.
const BUFFER_REFRESH_MS = 250;

/** Seconds of media buffered ahead of the play head. */
function bufferedAhead(media) {
  const t = media.currentTime;
  const b = media.buffered;
  for (let i = 0; i < b.length; i++) {
    if (b.start(i) <= t + 0.1 && t < b.end(i)) return b.end(i) - t;
  }
  return 0;
}

export class AdvisorHost {
  /**
   * @param {object} options `{ config, maxBufferMs, onDecision(output), onTelemetry(json,
   *   last), onDiagnostic(message), onAbandon(key, rendition) }`. `config` has the advisor
   *   `Config` keys, over the web adapters' defaults: the `hybrid-stable` ABR (a step up
   *   needs a clear, lasting gain: fewer visible quality changes), the player's buffer goal
   *   (`maxBufferMs`), and CMCD keys always computed (the estimate is read from `mtp`).
   */
  constructor(options = {}) {
    this.options = options;
    const user = typeof options.config === 'string' ? JSON.parse(options.config || '{}') : (options.config ?? {});
    this.advisor = createAdvisor({
      abr: 'hybrid-stable',
      ...(options.maxBufferMs > 0 ? { max_buffer_ms: options.maxBufferMs } : {}),
      cmcd: { mode: 'json' },
      ...user,
    });
    this.media = null;
    this.timer = null;
    this.nextId = 1;
    this.transfers = new Map(); // key -> { id, bytes, started, firstByte }
    this.lastAdvice = null;
    this.measuredBps = 0;
    this.bufferFedAt = -Infinity;
    this.ladderSize = 0;
    this.onMedia = this.onMedia.bind(this);
    /** Counters a page or test can read. */
    this.stats = { advice: 0, transfers: 0, completed: 0, abandons: 0, errors: 0 };
  }

  /** Calls `fn(advisor, now)` and acts on every decision it leads to. */
  feed(fn) {
    try {
      fn(this.advisor, now());
    } catch (e) {
      this.stats.errors++;
      this.options.onDiagnostic?.(`dmoe: ${e.message}`);
      return;
    }
    for (const o of drain(this.advisor)) this.act(o);
  }

  act(o) {
    this.options.onDecision?.(o);
    switch (o.type) {
      case 'advice':
        this.lastAdvice = o;
        if (o.cmcd?.mtp) this.measuredBps = o.cmcd.mtp * 1000;
        break;
      case 'abandon_advice':
        for (const [key, t] of this.transfers) {
          if (t.id === o.id) {
            this.stats.abandons++;
            this.options.onAbandon?.(key, o.rendition, o);
          }
        }
        break;
      case 'set_playback_rate':
        if (this.media) this.media.playbackRate = o.rate;
        break;
      case 'telemetry':
        this.options.onTelemetry?.(o.json, o.last === true);
        break;
      case 'diagnostic':
        this.options.onDiagnostic?.(o.message);
        break;
      case 'timeout': {
        clearTimeout(this.timer);
        const wait = Math.max(0, o.at_ms - now());
        this.timer = setTimeout(() => this.feed((a, t) => a.tick(t)), wait);
        // Under node, a pending tick does not keep the process alive.
        this.timer?.unref?.();
        break;
      }
      default:
        break;
    }
  }

  /**
   * The ladder the player parsed: `renditions[i]` is rendition `i` of every later call
   * (`{ bandwidth, averageBandwidth?, width?, height?, frameRate?, codecs?, url?, pathway? }`,
   * bandwidth in bits per second).
   */
  ladder(url, renditions) {
    this.ladderSize = renditions.length;
    this.transfers.clear();
    this.feed((a, t) => {
      for (const r of renditions) {
        a.addRendition(Math.max(0, Math.round(r.bandwidth ?? 0)), r.averageBandwidth ?? undefined,
          r.width ?? undefined, r.height ?? undefined, r.frameRate ?? undefined, r.codecs ?? undefined,
          r.url ?? '', r.pathway ?? undefined);
      }
      a.ladderLoaded(t, url ?? '');
    });
  }

  /** The advisor's answer for the next media segment (its `advice` output), or null. */
  advise({ segmentDurationMs, sizes, remaining } = {}) {
    if (this.ladderSize === 0) return null;
    this.lastAdvice = null;
    this.feedBuffer(true);
    this.feed((a, t) => a.adviceWanted(t, segmentDurationMs ?? undefined, sizes ?? undefined, remaining ?? undefined));
    if (this.lastAdvice) this.stats.advice++;
    return this.lastAdvice;
  }

  /** A request the player sent, known to the adapter by `key` (any object or value). */
  transferStart(key, { rendition, kind = 'media', durationMs, pathway } = {}) {
    if (this.transfers.has(key) || this.ladderSize === 0) return;
    const id = this.nextId++;
    this.transfers.set(key, { id, bytes: 0, started: now(), firstByte: null });
    this.stats.transfers++;
    const r = Number.isInteger(rendition) && rendition >= 0 && rendition < this.ladderSize ? rendition : undefined;
    this.feed((a, t) => a.transferStarted(t, id, r, kind, durationMs ?? undefined, pathway ?? undefined));
  }

  /** Bytes of `key`'s response so far (cumulative). */
  transferProgress(key, bytes) {
    const tr = this.transfers.get(key);
    if (!tr || bytes < tr.bytes) return;
    if (tr.firstByte === null) tr.firstByte = now();
    tr.bytes = bytes;
    this.feed((a, t) => a.requestProgress(t, tr.id, Math.round(bytes)));
  }

  /** `key`'s response is complete (`bytes` in all; `ttfbMs` when the player knows it). */
  transferEnd(key, { bytes, ttfbMs } = {}) {
    const tr = this.transfers.get(key);
    if (!tr) return;
    this.transfers.delete(key);
    this.stats.completed++;
    const total = Math.max(Math.round(bytes ?? tr.bytes), tr.bytes);
    const ttfb = ttfbMs ?? (tr.firstByte !== null ? tr.firstByte - tr.started : 0);
    this.feed((a, t) => a.requestCompleted(t, tr.id, total, Math.max(0, ttfb), undefined, undefined));
    this.feedBuffer(true);
  }

  /** `key` failed: `failure` is `'http'` (with `status`), `'timeout'` or `'connection'`. */
  transferFailed(key, failure, status) {
    const tr = this.transfers.get(key);
    if (!tr) return;
    this.transfers.delete(key);
    this.feed((a, t) => a.requestFailed(t, tr.id, failure, status ?? undefined));
  }

  /** The player dropped `key` itself (a switch, a seek, an abandonment it carried out). */
  transferCancelled(key) {
    const tr = this.transfers.get(key);
    if (!tr) return;
    this.transfers.delete(key);
    this.feed((a, t) => a.requestCancelled(t, tr.id));
  }

  /** The throughput estimate in bits per second (0 before the first measurement). */
  estimateBps() {
    return this.measuredBps;
  }

  attachMedia(media) {
    this.detachMedia();
    this.media = media;
    if (!media) return;
    for (const e of MEDIA_EVENTS) media.addEventListener(e, this.onMedia);
    this.feed((a, t) => a.playback(t, 'starting', 1));
  }

  detachMedia() {
    if (!this.media) return;
    for (const e of MEDIA_EVENTS) this.media.removeEventListener(e, this.onMedia);
    this.media = null;
  }

  feedBuffer(force = false) {
    if (!this.media || this.ladderSize === 0) return;
    const t = now();
    if (!force && t - this.bufferFedAt < BUFFER_REFRESH_MS) return;
    this.bufferFedAt = t;
    const level = bufferedAhead(this.media) * 1000;
    const position = this.media.currentTime * 1000;
    this.feed((a, at) => {
      a.buffer(at, level, 'video');
    });
    this.feed((a, at) => a.position(at, position, undefined));
  }

  onMedia(e) {
    const m = this.media;
    if (!m) return;
    const state = {
      playing: 'playing', waiting: 'stalled', pause: 'paused', seeking: 'seeking', ended: 'ended',
    }[e.type];
    if (e.type === 'seeking') {
      this.feed((a, t) => a.seek(t, m.currentTime * 1000));
    } else if (state && !(e.type === 'pause' && m.ended)) {
      this.feed((a, t) => a.playback(t, state, m.playbackRate || 1));
    } else if (e.type === 'ratechange' && !m.paused) {
      this.feed((a, t) => a.playback(t, 'playing', m.playbackRate || 1));
    }
    this.feedBuffer(e.type !== 'timeupdate');
  }

  /** Ends the session: timers stopped, the media let go, the wasm freed. */
  release() {
    clearTimeout(this.timer);
    this.detachMedia();
    this.transfers.clear();
    try {
      this.advisor.free();
    } catch {
      // A retired (trapped) instance cannot be freed; nothing is left to release.
    }
  }
}

const TOKENS = {
  ot: { manifest: 'm', audio: 'a', video: 'v', muxed: 'av', init: 'i', caption: 'c', key: 'k', other: 'o' },
  sta: { starting: 's', playing: 'p', seeking: 'k', rebuffering: 'r', paused: 'a', ended: 'e' },
};

/**
 * The advisor's CMCD keys (an `advice` output's `cmcd`) as the `CMCD` query value of
 * CTA-5004: keys sorted, tokens bare, strings quoted, true keys alone, absent and false
 * keys left out, `pr` and `v` left out at 1.
 */
export function cmcdQuery(cmcd) {
  const parts = [];
  for (const k of Object.keys(cmcd).sort()) {
    const v = cmcd[k];
    if (v === null || v === undefined || v === false) continue;
    if ((k === 'pr' || k === 'v') && v === 1) continue;
    if (v === true) parts.push(k);
    else if (TOKENS[k]) parts.push(`${k}=${TOKENS[k][v] ?? 'o'}`);
    else if (typeof v === 'number') parts.push(`${k}=${v}`);
    else if (k === 'sf' || k === 'st') parts.push(`${k}=${v}`);
    else parts.push(`${k}=${JSON.stringify(String(v))}`);
  }
  return parts.join(',');
}
