// The package for a page that plays with dash.js: the wasm glue, the agent and
// advisor, and only the DmoeDashRule adapter (bundled as dist/dmoe-dash.js).
export { default as init, initSync, version } from '../pkg/dmoe.js';
export { createAdvisor, createAgent, drain, entropy, toConfig } from './agent.js';
export { DmoeDashRule } from './dash.js';
