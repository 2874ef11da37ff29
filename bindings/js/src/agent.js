// The agent for JavaScript hosts: the wasm DmoeAgent behind a guard that turns a trap
// (the size build aborts on a Rust panic, which JS sees as a WebAssembly.RuntimeError)
// into an Error with code "panic" and refuses every later call on that instance.
import { DmoeAgent } from '../pkg/dmoe.js';

function panicError(cause) {
  const e = new Error('dmoe: internal error; this agent can no longer be used', { cause });
  e.code = 'panic';
  return e;
}

/**
 * A device agent session. `config` is an object with the same keys as the Rust `Config`
 * (all optional), or a JSON string. Methods are those of the wasm `DmoeAgent`: one per
 * event (`manifestLoaded`, `requestStarted`, `buffer`, ... `tick`), `pollJson()` for
 * decisions, `reportJson()` for the QoE report, and `free()`.
 */
export function createAgent(config = {}) {
  const json = typeof config === 'string' ? config : JSON.stringify(config);
  const inner = new DmoeAgent(json);
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

/** Every decision waiting, parsed. */
export function drain(agent) {
  const out = [];
  for (let o = agent.pollJson(); o !== undefined; o = agent.pollJson()) out.push(JSON.parse(o));
  return out;
}
