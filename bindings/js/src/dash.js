// DmoeDashRule: the DMOE advisor as dash.js's ABR (dash.js 5).
//
//   await init();
//   const player = dashjs.MediaPlayer().create();
//   DmoeDashRule.attach(player, { config: {...} });
//   player.initialize(video, url, true);
//
// dash.js keeps parsing, fetching and buffering; the advisor decides the video
// representation. The adapter turns dash.js's own quality rules off through its settings
// (throughput, BOLA, insufficient-buffer, switch-history, dropped-frames, abandonment, L2A,
// LoL+) and adds two custom rules, so that exactly one decider is in charge and dash.js's
// rule arbitration cannot blend the advisor's answer with another rule's: a quality rule
// that answers every `getSwitchRequest` with the advised representation at STRONG priority,
// and an abandonment rule that carries out `abandon_advice`. The representations dash.js
// offers (`getPossibleVoRepresentationsFilteredBySettings`) are the ladder; every fragment
// request is a transfer (FRAGMENT_LOADING_STARTED, its progress as dash.js's abandonment
// check sees it, FRAGMENT_LOADING_COMPLETED / _ABANDONED). Fast switching (re-fetching
// buffered media at a higher quality) is turned off: the advisor decides the next segment.
// dash.js's throughput controller keeps measuring on its own, so `getAverageThroughput`
// and the other readers keep working. With `cmcd: true` the advisor's CMCD keys go on each
// video segment request as a query (leave dash.js's own CMCD off).
import { AdvisorHost, cmcdQuery } from './advisor-host.js';

const RULES_OFF = {
  throughputRule: { active: false },
  bolaRule: { active: false },
  insufficientBufferRule: { active: false },
  switchHistoryRule: { active: false },
  droppedFramesRule: { active: false },
  abandonRequestsRule: { active: false },
  l2ARule: { active: false },
  loLPRule: { active: false },
};
const STRONG = 1;

export class DmoeDashRule {
  /** @param {object} options `{ config, cmcd, onDecision, onTelemetry, onDiagnostic }` */
  constructor(player, options = {}) {
    this.player = player;
    this.options = options;
    this.host = new AdvisorHost({ ...options, onAbandon: (key, rendition) => this.onAbandon(key, rendition) });
    this.representations = [];
    this.abandonTo = null;
    this.media = null;
  }

  /** Makes `player` decide its video quality with a DMOE advisor; returns the adapter. */
  static attach(player, options = {}) {
    const buffer = player.getSettings?.()?.streaming?.buffer;
    const goal = Math.max(buffer?.bufferTimeAtTopQuality ?? 0, buffer?.bufferTimeDefault ?? buffer?.stableBufferTime ?? 0);
    const rule = new DmoeDashRule(player, { maxBufferMs: goal > 0 ? goal * 1000 : undefined, ...options });
    // Fast switching re-fetches media already buffered at a higher quality: the advisor
    // decides the next segment only, so the adapter turns it off.
    player.updateSettings({
      streaming: {
        abr: { rules: RULES_OFF, autoSwitchBitrate: { video: true } },
        buffer: { fastSwitchEnabled: false },
      },
    });
    const quality = {
      getClassName: () => 'DmoeRule',
      getSwitchRequest: (ctx) => rule.getSwitchRequest(ctx),
      reset: () => {},
    };
    const abandon = {
      getClassName: () => 'DmoeAbandonRule',
      shouldAbandon: (ctx) => rule.shouldAbandon(ctx),
      reset: () => {},
    };
    player.addABRCustomRule('qualitySwitchRules', 'DmoeRule', () => ({ create: () => quality }));
    player.addABRCustomRule('abandonFragmentRules', 'DmoeAbandonRule', () => ({ create: () => abandon }));
    const on = (name, fn) => player.on(name, fn.bind(rule));
    on('fragmentLoadingStarted', rule.onStarted);
    on('fragmentLoadingProgress', rule.onProgress);
    on('fragmentLoadingCompleted', rule.onCompleted);
    on('fragmentLoadingAbandoned', rule.onAbandoned);
    on('streamInitialized', rule.onStreamInitialized);
    if (options.cmcd) {
      player.addRequestInterceptor?.((request) => rule.withCmcd(request));
    }
    return rule;
  }

  /** The session: timers stopped, the media let go, the wasm freed. */
  release() {
    this.host.release();
  }

  onStreamInitialized() {
    const media = this.player.getVideoElement?.();
    if (media && media !== this.media) {
      this.media = media;
      this.host.attachMedia(media);
    }
  }

  /** Keeps the ladder in step with the representations dash.js offers. */
  syncLadder(ctx) {
    const reps = ctx.getAbrController().getPossibleVoRepresentationsFilteredBySettings(ctx.getMediaInfo(), true) ?? [];
    const same = reps.length === this.representations.length && reps.every((r, i) => r.id === this.representations[i].id);
    if (same) return;
    this.representations = reps.slice();
    this.host.ladder('', reps.map((r) => ({
      bandwidth: r.bandwidth,
      width: r.width || undefined,
      height: r.height || undefined,
      frameRate: Number.isFinite(r.frameRate) && r.frameRate > 0 ? r.frameRate : undefined,
      codecs: r.codecs ?? undefined,
      url: `dash-representation-${r.id}`,
    })));
  }

  renditionOf(request) {
    const id = request?.representation?.id ?? request?.representationId;
    const i = this.representations.findIndex((r) => r.id === id);
    return i >= 0 ? i : undefined;
  }

  getSwitchRequest(ctx) {
    const none = { representation: null, priority: null, reason: null, rule: 'DmoeRule' };
    if (ctx.getMediaType() !== 'video') return none;
    if (!this.media) this.onStreamInitialized();
    this.syncLadder(ctx);
    const advice = this.host.advise({});
    const representation = advice && this.representations[advice.rendition];
    if (!representation) return none;
    return { representation, priority: STRONG, reason: { rule: 'DmoeRule', advice: advice.why?.text ?? '' }, rule: 'DmoeRule' };
  }

  /**
   * dash.js asks on each progress event of a fragment in flight: the bytes so far go to the
   * advisor (dash.js does not publish its progress events), and an `abandon_advice` for
   * that transfer is answered with the advised representation.
   */
  shouldAbandon(ctx) {
    const none = { representation: null, priority: null, reason: null, rule: 'DmoeAbandonRule' };
    if (ctx.getMediaType() !== 'video') return none;
    const request = ctx.getCurrentRequest?.();
    if (request && Number.isFinite(request.bytesLoaded)) this.host.transferProgress(request, request.bytesLoaded);
    if (!this.abandonTo || this.abandonTo.key !== request) return none;
    const representation = this.representations[this.abandonTo.rendition];
    this.abandonTo = null;
    if (!representation) return none;
    return { representation, priority: STRONG, reason: { rule: 'DmoeAbandonRule', forceAbandon: true }, rule: 'DmoeAbandonRule' };
  }

  onAbandon(key, rendition) {
    this.abandonTo = { key, rendition };
  }

  isVideo(e) {
    return (e.request?.mediaType ?? e.mediaType) === 'video';
  }

  onStarted(e) {
    if (!this.isVideo(e) || this.representations.length === 0) return;
    const r = e.request;
    const media = r.type === 'MediaSegment';
    this.host.transferStart(r, {
      rendition: this.renditionOf(r),
      kind: media ? 'media' : 'init',
      durationMs: media && Number.isFinite(r.duration) ? r.duration * 1000 : undefined,
    });
  }

  onProgress(e) {
    if (!this.isVideo(e)) return;
    const bytes = e.request?.bytesLoaded;
    if (Number.isFinite(bytes)) this.host.transferProgress(e.request, bytes);
  }

  onCompleted(e) {
    if (!this.isVideo(e)) return;
    const r = e.request;
    const bytes = e.response?.byteLength ?? r.bytesLoaded ?? 0;
    const ttfb = r.firstByteDate && r.requestStartDate ? r.firstByteDate - r.requestStartDate : undefined;
    this.host.transferEnd(r, { bytes, ttfbMs: ttfb });
  }

  onAbandoned(e) {
    if (e.request) this.host.transferCancelled(e.request);
  }

  /** A request interceptor: the advisor's CMCD keys on each video media segment. */
  withCmcd(request) {
    const fragment = request?.customData?.request;
    const advice = this.host.lastAdvice;
    if (advice?.cmcd && fragment?.type === 'MediaSegment' && fragment.mediaType === 'video' && request.url) {
      const q = cmcdQuery(advice.cmcd);
      request.url = `${request.url}${request.url.includes('?') ? '&' : '?'}CMCD=${encodeURIComponent(q)}`;
    }
    return Promise.resolve(request);
  }
}
