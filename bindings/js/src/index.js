// The DMOE npm package: the device agent and the advisor in WebAssembly, and the adapters
// for hls.js (the full agent), Shaka Player and dash.js (the advisor). A page that uses one
// player can import its own entry (`dmoe/hls`, `dmoe/shaka`, `dmoe/dash`) and load only
// that adapter. Call `init()` (browsers: fetches dmoe_bg.wasm next to the glue) or
// `initSync({ module })` (node: the wasm bytes) once before creating agents or players.
export { default as init, initSync, version } from '../pkg/dmoe.js';
export { createAdvisor, createAgent, drain, entropy, toConfig } from './agent.js';
export { AdvisorHost, cmcdQuery } from './advisor-host.js';
export { DmoeAbrController } from './hls.js';
export { DmoeShakaAbrManager } from './shaka.js';
export { DmoeDashRule } from './dash.js';
