// DmoeShakaAbrManager: the DMOE advisor as Shaka Player's ABR manager.
//
//   await init();
//   const player = new shaka.Player();
//   await player.attach(video);
//   DmoeShakaAbrManager.attach(player, shaka, { config: {...}, cmcd: true });
//   await player.load(url);
//
// Shaka keeps parsing, fetching and buffering; the advisor decides the variant. Shaka's
// variants are the ladder (`setVariants`: variant i = rendition i); `chooseVariant` asks
// the advisor (`adviceWanted`) and returns the variant it advises. Every segment request
// is reported as a transfer: sent (a request filter on Shaka's networking engine), each
// progress chunk (`segmentDownloaded`), complete (a response filter). After each complete
// transfer the advisor is asked again and a different answer is pushed with Shaka's
// `switchCallback`; an `abandon_advice` switches at once. `getBandwidthEstimate` answers
// from the advisor's throughput estimate. With `cmcd: true` the advisor's CMCD keys go on
// each segment request as a query (leave Shaka's own CMCD off).
import { AdvisorHost, cmcdQuery } from './advisor-host.js';

export class DmoeShakaAbrManager {
  /** @param {object} options `{ config, cmcd, onDecision, onTelemetry, onDiagnostic }` */
  constructor(options = {}) {
    this.options = options;
    this.host = new AdvisorHost({ ...options, onAbandon: (key, rendition) => this.onAbandon(key, rendition) });
    this.variants = [];
    this.switchCallback = null;
    this.enabled = false;
    this.current = null;
    this.config = null;
    this.media = null;
    this.open = new Map(); // content type -> request key in flight
    this.requestType = null;
  }

  /**
   * Makes `player` use a DMOE advisor for its ABR (a new one per load), and reports its
   * segment requests to it. `shaka` is the library's namespace object. Returns a function
   * that gives the manager in use.
   */
  static attach(player, shaka, options = {}) {
    let manager = null;
    const goal = player.getConfiguration?.()?.streaming?.bufferingGoal;
    const opts = { maxBufferMs: Number.isFinite(goal) && goal > 0 ? goal * 1000 : undefined, ...options };
    player.configure({ abrFactory: () => (manager = new DmoeShakaAbrManager(opts)), abr: { enabled: true } });
    const net = player.getNetworkingEngine();
    const SEGMENT = shaka.net.NetworkingEngine.RequestType.SEGMENT;
    net.registerRequestFilter((type, request, context) => {
      if (type === SEGMENT && manager) manager.onRequest(request, context);
    });
    net.registerResponseFilter((type, response, context) => {
      if (type === SEGMENT && manager) manager.onResponse(response, context);
    });
    return () => manager;
  }

  // --- shaka.extern.AbrManager ---------------------------------------------------------

  init(switchCallback) {
    this.switchCallback = switchCallback;
  }

  stop() {
    this.switchCallback = null;
    this.enabled = false;
  }

  release() {
    this.stop();
    this.host.release();
  }

  configure(config) {
    this.config = config;
  }

  enable() {
    this.enabled = true;
  }

  disable() {
    this.enabled = false;
  }

  setVariants(variants) {
    const same = variants.length === this.variants.length && variants.every((v, i) => v.id === this.variants[i].id);
    if (same) return false;
    this.variants = variants.slice();
    this.host.ladder('', this.variants.map((v) => ({
      bandwidth: v.bandwidth,
      width: v.video?.width,
      height: v.video?.height,
      frameRate: v.video?.frameRate,
      codecs: [v.video?.codecs, v.audio?.codecs].filter(Boolean).join(',') || undefined,
      url: `shaka-variant-${v.id}`,
    })));
    return true;
  }

  chooseVariant() {
    const advice = this.host.advise({});
    const lowest = () => this.variants.reduce((a, b) => (b.bandwidth < a.bandwidth ? b : a), this.variants[0]);
    const v = (advice && this.variants[advice.rendition]) ?? lowest();
    this.current = v ?? null;
    return v;
  }

  segmentDownloaded(_deltaTimeMs, numBytes, _allowSwitch, request) {
    if (!request) return;
    const tr = this.host.transfers.get(request);
    if (!tr) return;
    this.host.transferProgress(request, tr.bytes + numBytes);
  }

  trySuggestStreams() {
    this.suggest();
  }

  getBandwidthEstimate() {
    return this.host.estimateBps() || this.config?.defaultBandwidthEstimate || 1e6;
  }

  playbackRateChanged() {
    // The media element's ratechange reaches the advisor directly.
  }

  setMediaElement(media) {
    this.media = media;
    this.host.attachMedia(media);
  }

  setCmsdManager() {
    // CMSD headers reach the advisor through the response (not read by this adapter).
  }

  // --- the networking engine's filters ---------------------------------------------------

  /** The variant (ladder entry) a segment request belongs to, or undefined. */
  renditionOf(context) {
    const id = context?.stream?.id;
    if (id === undefined) return undefined;
    const i = this.variants.findIndex((v) => v.video?.id === id || (!v.video && v.audio?.id === id));
    return i >= 0 ? i : undefined;
  }

  onRequest(request, context) {
    const type = context?.stream?.type ?? 'video';
    const rendition = this.renditionOf(context);
    // Shaka fetches one segment at a time per stream: an open transfer of the same type
    // that never completed was dropped (a switch, a seek).
    const previous = this.open.get(type);
    if (previous !== undefined) this.host.transferCancelled(previous);
    const seg = context?.segment;
    const durationMs = seg && Number.isFinite(seg.endTime - seg.startTime) ? (seg.endTime - seg.startTime) * 1000 : undefined;
    if (type !== 'video' && this.variants.some((v) => v.video)) return;
    this.open.set(type, request);
    this.host.transferStart(request, { rendition, kind: seg ? 'media' : 'init', durationMs });
    const advice = this.host.lastAdvice;
    if (this.options.cmcd && advice?.cmcd && Array.isArray(request.uris)) {
      const q = cmcdQuery(advice.cmcd);
      request.uris = request.uris.map((u) => `${u}${u.includes('?') ? '&' : '?'}CMCD=${encodeURIComponent(q)}`);
    }
  }

  onResponse(response, context) {
    const key = response.originalRequest;
    if (!key || !this.host.transfers.has(key)) return;
    const type = context?.stream?.type ?? 'video';
    if (this.open.get(type) === key) this.open.delete(type);
    const bytes = response.data?.byteLength ?? 0;
    this.host.transferEnd(key, { bytes, ttfbMs: key.timeToFirstByte ?? undefined });
    this.suggest();
  }

  /** Asks the advisor and pushes a different answer to Shaka. */
  suggest() {
    if (!this.enabled || !this.switchCallback || this.variants.length === 0) return;
    const advice = this.host.advise({});
    const v = advice && this.variants[advice.rendition];
    if (v && v !== this.current) {
      this.current = v;
      this.switchCallback(v, false);
    }
  }

  onAbandon(_key, rendition) {
    const v = this.variants[rendition];
    if (!v || !this.switchCallback || !this.enabled) return;
    this.current = v;
    this.switchCallback(v, false);
  }
}
