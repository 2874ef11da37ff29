// The agent for JavaScript hosts: the wasm DmoeAgent behind a guard that turns a trap
// (the size build aborts on a Rust panic, which JS sees as a WebAssembly.RuntimeError)
// into an Error with code "panic" and refuses every later call on that instance.
import { DmoeAgent, DmoeConfig } from '../pkg/dmoe.js';

/**
 * 53 random bits from the platform (`crypto.getRandomValues`: browsers, node 19+): the
 * seed of a session whose settings name none. The core reads no random source itself.
 */
export function entropy() {
  const [hi, lo] = globalThis.crypto.getRandomValues(new Uint32Array(2));
  return (hi & 0x1fffff) * 0x100000000 + lo;
}

function panicError(cause) {
  const e = new Error('dmoe: internal error; this agent can no longer be used', { cause });
  e.code = 'panic';
  return e;
}

function configError(message) {
  const e = new Error(`config: ${message}`);
  e.code = 'invalid_config';
  return e;
}

const EDGE_KEYS = new Set(['pathway', 'host', 'region', 'weight']);
const optString = (v) => v === undefined || v === null || typeof v === 'string';

/** Walks a config object into `DmoeConfig` calls: scalars by dotted key, edges added. */
function walk(c, obj, prefix) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix + k;
    if (key === 'edges') {
      if (!Array.isArray(v)) throw configError('edges must be a list');
      for (const e of v) {
        if (e === null || typeof e !== 'object' || typeof e.pathway !== 'string') {
          throw configError('an edge needs a pathway string');
        }
        for (const ek of Object.keys(e)) {
          if (!EDGE_KEYS.has(ek)) throw configError(`unknown edge setting ${ek}`);
        }
        if (!optString(e.host) || !optString(e.region)) {
          throw configError('an edge host or region is a string');
        }
        if (e.weight !== undefined && typeof e.weight !== 'number') {
          throw configError('an edge weight is a number');
        }
        c.addEdge(e.pathway, e.host ?? undefined, e.region ?? undefined, e.weight);
      }
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      walk(c, v, `${key}.`);
    } else {
      c.set(key, v);
    }
  }
}

/**
 * The settings `config` (an object with the Rust `Config`'s keys, or its JSON) describes,
 * as a wasm `DmoeConfig`; throws an Error with code `invalid_config`.
 */
export function toConfig(config = {}) {
  let obj = config ?? {};
  if (typeof obj === 'string') {
    try {
      obj = obj.trim() ? JSON.parse(obj) : {};
    } catch (e) {
      throw configError(`not JSON: ${e.message}`);
    }
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw configError('settings are an object');
  }
  const c = new DmoeConfig();
  try {
    walk(c, obj, '');
  } catch (e) {
    c.free();
    throw e;
  }
  return c;
}

/** A session of kind `make` behind the trap guard. */
function open(config, make) {
  const settings = toConfig(config);
  let inner;
  try {
    inner = make(settings, entropy());
  } finally {
    settings.free();
  }
  let dead = false;
  return new Proxy(inner, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      return (...args) => {
        if (dead) throw panicError();
        try {
          return value.apply(target, args);
        } catch (e) {
          if (e instanceof WebAssembly.RuntimeError) {
            dead = true;
            throw panicError(e);
          }
          throw e;
        }
      };
    },
  });
}

/**
 * A device agent session: it decides every request. `config` is an object with the same
 * keys as the Rust `Config` (all optional), or a JSON string; without a `seed` the session
 * is seeded from `crypto.getRandomValues`. Methods are those of the wasm `DmoeAgent`: one
 * per event (`addRendition` ... `ladderLoaded`, `addSegment` ... `segmentsLoaded`,
 * `requestStarted`, `buffer`, ... `tick`; times in ms), `pollJson()` for decisions,
 * `reportJson()` for the QoE report, `sessionId()`, `isOver()`, and `free()`.
 */
export function createAgent(config = {}) {
  return open(config, (settings, seed) => new DmoeAgent(settings, seed));
}

/**
 * An advisor session: the player fetches and asks which rendition (`adviceWanted`,
 * answered by an `advice` output); it reports its transfers (`transferStarted`,
 * `requestProgress`, `requestCompleted`, ...) and playback as to an agent.
 */
export function createAdvisor(config = {}) {
  return open(config, (settings, seed) => DmoeAgent.advisor(settings, seed));
}

/** Every decision waiting, parsed. */
export function drain(agent) {
  const out = [];
  for (let o = agent.pollJson(); o !== undefined; o = agent.pollJson()) out.push(JSON.parse(o));
  return out;
}
