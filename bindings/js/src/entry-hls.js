// The package for a page that plays with hls.js: the wasm glue, the agent and
// advisor, and only the DmoeAbrController adapter (bundled as dist/dmoe-hls.js).
export { default as init, initSync, version } from '../pkg/dmoe.js';
export { createAdvisor, createAgent, drain, entropy, toConfig } from './agent.js';
export { DmoeAbrController } from './hls.js';
