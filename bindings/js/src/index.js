// The DMOE npm package: the device agent in WebAssembly and its hls.js adapter.
// Call `init()` (browsers: fetches dmoe_bg.wasm next to the glue) or `initSync({ module })`
// (node: the wasm bytes) once before creating agents or players.
export { default as init, initSync, version } from '../pkg/dmoe.js';
export { createAdvisor, createAgent, drain, entropy, toConfig } from './agent.js';
export { DmoeAbrController } from './hls.js';
