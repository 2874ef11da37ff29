// The package for a page that plays with Shaka Player: the wasm glue, the agent and
// advisor, and only the DmoeShakaAbrManager adapter (bundled as dist/dmoe-shaka.js).
export { default as init, initSync, version } from '../pkg/dmoe.js';
export { createAdvisor, createAgent, drain, entropy, toConfig } from './agent.js';
export { DmoeShakaAbrManager } from './shaka.js';
