// Types for the DMOE npm package (src/index.js).
import type { DmoeAgent, DmoeConfig, InitInput, InitOutput, SyncInitInput } from '../pkg/dmoe.js';

export { default as init, initSync, version } from '../pkg/dmoe.js';
export type { DmoeAgent, DmoeConfig, InitInput, InitOutput, SyncInitInput };

/** A decision from the agent (the JSON objects `pollJson()` returns, parsed). */
export type Output =
  | { type: 'fetch'; id: number; url: string; byte_range: { offset: number; length: number } | null;
      rendition: number; media: string; kind: 'init' | 'media'; segment: number; duration: number;
      edge: string; bitrate_kbps: number; headers: [string, string][];
      cmcd: Record<string, unknown> | null; why: string | null }
  | { type: 'abandon'; id: number; refetch: Extract<Output, { type: 'fetch' }>; why: string }
  | { type: 'load_playlist'; rendition: number; url: string }
  | { type: 'load_manifest'; url: string }
  | { type: 'load_steering'; url: string }
  | { type: 'set_playback_rate'; rate: number }
  | { type: 'telemetry'; json: string }
  | { type: 'diagnostic'; message: string }
  | { type: 'timeout'; at: number };

/** An Error thrown by the agent. */
export interface DmoeError extends Error {
  code: 'invalid_input' | 'invalid_manifest' | 'invalid_config' | 'misuse' | 'unsupported' | 'panic';
}

/** A device agent session; `config` has the Rust `Config`'s keys (all optional) or is JSON. */
export function createAgent(config?: Record<string, unknown> | string): DmoeAgent;

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
