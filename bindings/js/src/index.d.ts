// Types for the DMOE npm package (src/index.js, and the per-player entries dmoe/hls,
// dmoe/shaka and dmoe/dash, which export the same names for one adapter each).
//
// Units, as on every surface: times and media durations in milliseconds (`_ms`), bitrates
// in bits per second (`_bps`), sizes in bytes; CMCD keys in the units CTA-5004 gives them.
// The output interfaces below are checked against what the wasm emits by
// test/agent.test.mjs (one field per line: keep that form).
import type { DmoeAgent, DmoeConfig, InitInput, InitOutput, SyncInitInput } from '../pkg/dmoe.js';

export { default as init, initSync, version } from '../pkg/dmoe.js';
export type { DmoeAgent, DmoeConfig, InitInput, InitOutput, SyncInitInput };

/** A byte range: its first byte and its length. */
export interface ByteRange {
  start: number;
  length: number;
}

/** The CMCD keys of a request (CTA-5004 units: kbps, ms); null keys are not sent. */
export interface Cmcd {
  br: number | null;
  bl: number | null;
  bs: boolean;
  cid: string | null;
  d: number | null;
  dl: number | null;
  mtp: number | null;
  nor: string | null;
  nrr: string | null;
  ot: 'manifest' | 'audio' | 'video' | 'muxed' | 'init' | 'caption' | 'key' | 'other' | null;
  pr: number | null;
  rtp: number | null;
  sf: string | null;
  sid: string | null;
  st: string | null;
  su: boolean;
  tb: number | null;
  v: number | null;
  ltc: number | null;
  sn: number | null;
  sta: 'starting' | 'playing' | 'seeking' | 'rebuffering' | 'paused' | 'ended' | null;
}

/** Why a rendition was chosen. */
export interface QualityWhy {
  reason: 'startup' | 'throughput' | 'buffer_low' | 'buffer_high' | 'lookahead' | 'hold' | 'capped' | 'emergency' | 'rule';
  from_bps: number | null;
  to_bps: number;
  estimate_bps: number | null;
  buffer_ms: number;
}

/** Why a transfer was abandoned. */
export interface AbandonWhy {
  received_bytes: number;
  expected_bytes: number;
  elapsed_ms: number;
  buffer_ms: number;
  from_bps: number;
  to_bps: number;
}

/** Which deadline a request missed. */
export interface DeadlineWhy {
  kind: 'first_byte' | 'stalled' | 'completion';
  edge: string;
  waited_ms: number;
}

/** How a request failed. */
export interface HttpFailure {
  http: number;
}

/** Why an edge was chosen. */
export interface EdgeWhy {
  reason: 'start' | 'stay' | 'faster' | 'cannot_sustain' | 'failover' | 'duress' | 'breaker_open' | 'steering_removed' | 'half_open_trial' | 'least_bad' | 'priority';
  from: string | null;
  to: string;
  expected_ms: number;
  expected_from_ms: number | null;
  throughput_bps: number;
  measured: boolean;
  failure: HttpFailure | 'timeout' | 'connection' | null;
}

/** An explanation: each part that applies, and `text`, one English line. */
export interface Why {
  deadline?: DeadlineWhy;
  abandon?: AbandonWhy;
  edge?: EdgeWhy;
  quality?: QualityWhy;
  text: string;
}

/** A request to make: the fields of a `fetch` output, and an abandon's `refetch`. */
export interface Refetch {
  id: number;
  url: string;
  byte_range: ByteRange | null;
  rendition: number;
  media: 'video' | 'audio' | 'subtitles' | 'closed_captions' | 'unknown';
  kind: 'init' | 'media';
  segment: number;
  duration_ms: number;
  edge: string;
  bitrate_bps: number;
  headers: [string, string][];
  cmcd: Cmcd | null;
  why: Why | null;
}

/** Make this request. */
export interface FetchOutput extends Refetch {
  type: 'fetch';
}

/** Cancel request `id` and make `refetch` instead. */
export interface AbandonOutput {
  type: 'abandon';
  id: number;
  refetch: Refetch;
  why: Why;
}

/** Cancel request `id` (a probe that missed its deadline). */
export interface CancelOutput {
  type: 'cancel';
  id: number;
}

/** Measure another edge: fetch `byte_range` of `url`. */
export interface ProbeOutput {
  type: 'probe';
  id: number;
  url: string;
  byte_range: ByteRange;
  edge: string;
}

/** Load a media playlist (`prefetch`: ahead of need; may be skipped). */
export interface LoadPlaylistOutput {
  type: 'load_playlist';
  rendition: number;
  url: string;
  prefetch?: boolean;
}

/** Reload the manifest. */
export interface LoadManifestOutput {
  type: 'load_manifest';
  url: string;
}

/** Fetch the steering manifest. */
export interface LoadSteeringOutput {
  type: 'load_steering';
  url: string;
}

/** Set the playback rate. */
export interface SetPlaybackRateOutput {
  type: 'set_playback_rate';
  rate: number;
}

/** Advisor: the rendition to fetch next. */
export interface AdviceOutput {
  type: 'advice';
  rendition: number;
  bitrate_bps: number;
  pathway?: string;
  cmcd?: Cmcd;
  why?: Why;
}

/** Advisor: cancel transfer `id` and refetch its segment at `rendition`. */
export interface AbandonAdviceOutput {
  type: 'abandon_advice';
  id: number;
  rendition: number;
  bitrate_bps: number;
  why: Why;
}

/** A telemetry report (JSON text); `last`: the session's final one. */
export interface TelemetryOutput {
  type: 'telemetry';
  json: string;
  last?: boolean;
}

/** Something to log. */
export interface DiagnosticOutput {
  type: 'diagnostic';
  message: string;
}

/** Call `tick` at `at_ms` (host clock) if nothing else happens first. */
export interface TimeoutOutput {
  type: 'timeout';
  at_ms: number;
}

/** The session is over; no timeout follows. */
export interface EndOutput {
  type: 'end';
}

/** A decision (the JSON objects `pollJson()` returns, parsed). */
export type Output = FetchOutput | AbandonOutput | CancelOutput | ProbeOutput | LoadPlaylistOutput | LoadManifestOutput | LoadSteeringOutput | SetPlaybackRateOutput | AdviceOutput | AbandonAdviceOutput | TelemetryOutput | DiagnosticOutput | TimeoutOutput | EndOutput;

/** An Error thrown by a session. */
export interface DmoeError extends Error {
  code: 'invalid_input' | 'invalid_manifest' | 'invalid_config' | 'misuse' | 'unsupported' | 'panic';
}

/** A device agent session; `config` has the Rust `Config`'s keys (all optional) or is JSON. */
export function createAgent(config?: Record<string, unknown> | string): DmoeAgent;

/** An advisor session (the player fetches; it answers `adviceWanted` with an `advice`). */
export function createAdvisor(config?: Record<string, unknown> | string): DmoeAgent;

/** 53 random bits from `crypto.getRandomValues`: the seed of a session without one. */
export function entropy(): number;

/** The wasm settings `config` describes (throws an Error with code `invalid_config`); free it after use. */
export function toConfig(config?: Record<string, unknown> | string): DmoeConfig;

/** Every decision waiting, parsed. */
export function drain(agent: DmoeAgent): Output[];

/** Options read from `hls.config.dmoe`. */
export interface DmoeHlsOptions {
  /** Agent `Config` keys, merged over the adapter's defaults. */
  config?: Record<string, unknown>;
  /** Put the agent's CMCD on fragment requests (also set `xhrSetup: DmoeAbrController.xhrSetup`). */
  cmcd?: 'query' | 'header';
  /**
   * `false` turns hls.js's start-up bandwidth test (`testBandwidth`) off for the agent's
   * quick start: first fragment at the lowest level, a much shorter start-up, then a switch
   * up. By default the test runs as hls.js configures it and the agent starts at the level
   * its first sample supports.
   */
  probe?: boolean;
  onDecision?: (output: Output) => void;
  onTelemetry?: (json: string) => void;
  onDiagnostic?: (message: string) => void;
  onTrace?: (message: string) => void;
}

/** hls.js's ABR controller contract, answered by the DMOE agent: `new Hls({ abrController: DmoeAbrController })`. */
export class DmoeAbrController {
  constructor(hls: unknown);
  readonly firstAutoLevel: number;
  readonly forcedAutoLevel: number;
  nextAutoLevel: number;
  readonly bwEstimator: {
    defaultEstimate: number;
    getEstimate(): number;
    getEstimateTTFB(): number;
    canEstimate(): boolean;
  };
  /** Counters: fetch decisions, fragments bound to them, followed, unbound, abandons, errors. */
  readonly stats: { decisions: number; bound: number; followed: number; unbound: number; abandons: number; errors: number };
  resetEstimator(bps?: number): void;
  destroy(): void;
  /** For hls.js's `xhrSetup`: attaches the agent's CMCD keys to the fragment request. */
  static xhrSetup(xhr: XMLHttpRequest, url: string): void;
}

/** A ladder entry as an advisor-mode adapter hands it over (bandwidth in bits per second). */
export interface HostRendition {
  bandwidth: number;
  averageBandwidth?: number;
  width?: number;
  height?: number;
  frameRate?: number;
  codecs?: string;
  url?: string;
  pathway?: string;
}

/** Options of the advisor-mode adapters (Shaka, dash.js) and of `AdvisorHost`. */
export interface DmoeAdvisorOptions {
  /** Advisor `Config` keys (all optional; default ABR `hybrid-stable`); without a `seed` the session draws one. */
  config?: Record<string, unknown> | string;
  /** Put the advisor's CMCD keys on each video segment request as a query. */
  cmcd?: boolean;
  /** The player's buffer goal, ms (the adapters read it from the player's settings). */
  maxBufferMs?: number;
  onDecision?: (output: Output) => void;
  onTelemetry?: (json: string, last: boolean) => void;
  onDiagnostic?: (message: string) => void;
}

/**
 * One advisor session driven by a player adapter: the ladder, advice, the player's
 * transfers under keys of the adapter's choosing, the media element's facts.
 */
export class AdvisorHost {
  constructor(options?: DmoeAdvisorOptions & { onAbandon?: (key: unknown, rendition: number, output: AbandonAdviceOutput) => void });
  /** Counters: advice given, transfers reported and completed, abandonments advised, errors. */
  readonly stats: { advice: number; transfers: number; completed: number; abandons: number; errors: number };
  /** The last `advice` output, or null. */
  readonly lastAdvice: AdviceOutput | null;
  ladder(url: string, renditions: HostRendition[]): void;
  advise(wanted?: { segmentDurationMs?: number; sizes?: number[]; remaining?: number }): AdviceOutput | null;
  transferStart(key: unknown, transfer?: { rendition?: number; kind?: 'init' | 'media'; durationMs?: number; pathway?: string }): void;
  transferProgress(key: unknown, bytes: number): void;
  transferEnd(key: unknown, end?: { bytes?: number; ttfbMs?: number }): void;
  transferFailed(key: unknown, failure: 'http' | 'timeout' | 'connection', status?: number): void;
  transferCancelled(key: unknown): void;
  /** The throughput estimate, bits per second (0 before the first measurement). */
  estimateBps(): number;
  attachMedia(media: HTMLMediaElement | null): void;
  detachMedia(): void;
  release(): void;
}

/** An advice's CMCD keys as the value of a `CMCD` query (CTA-5004). */
export function cmcdQuery(cmcd: Cmcd): string;

/**
 * Shaka Player's `AbrManager`, answered by a DMOE advisor:
 * `DmoeShakaAbrManager.attach(player, shaka, options)` before `player.load(url)`.
 */
export class DmoeShakaAbrManager {
  constructor(options?: DmoeAdvisorOptions);
  /** Sets `abrFactory` and the request/response filters; returns the manager in use. */
  static attach(player: unknown, shaka: unknown, options?: DmoeAdvisorOptions): () => DmoeShakaAbrManager | null;
  readonly host: AdvisorHost;
  init(switchCallback: (variant: unknown, clearBuffer?: boolean, safeMargin?: number) => void): void;
  stop(): void;
  release(): void;
  configure(config: unknown): void;
  enable(): void;
  disable(): void;
  setVariants(variants: unknown[]): boolean;
  chooseVariant(): unknown;
  segmentDownloaded(deltaTimeMs: number, numBytes: number, allowSwitch: boolean, request?: unknown, context?: unknown): void;
  trySuggestStreams(): void;
  getBandwidthEstimate(): number;
  playbackRateChanged(rate: number): void;
  setMediaElement(media: HTMLMediaElement | null): void;
  setCmsdManager(manager: unknown): void;
}

/**
 * dash.js 5's ABR, answered by a DMOE advisor: `DmoeDashRule.attach(player, options)` before
 * `player.initialize(...)` (dash.js's own quality rules are turned off).
 */
export class DmoeDashRule {
  constructor(player: unknown, options?: DmoeAdvisorOptions);
  /** Turns dash.js's rules off, adds the advisor's quality and abandonment rules. */
  static attach(player: unknown, options?: DmoeAdvisorOptions): DmoeDashRule;
  readonly host: AdvisorHost;
  getSwitchRequest(rulesContext: unknown): { representation: unknown; priority: number | null; reason: unknown; rule: string };
  shouldAbandon(rulesContext: unknown): { representation: unknown; priority: number | null; reason: unknown; rule: string };
  release(): void;
}
