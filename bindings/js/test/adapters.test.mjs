// The advisor-mode adapters (Shaka, dash.js) under node, with stand-ins for the players'
// plug-in contracts: the ladder goes in, the advice comes back as the player's own object,
// every transfer reaches the advisor, every decision the adapters see is of a type
// index.d.ts declares, and the declared classes are the real ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { initSync, AdvisorHost, DmoeShakaAbrManager, DmoeDashRule, cmcdQuery } from '../dist/dmoe.js';
import * as shakaEntry from '../dist/dmoe-shaka.js';
import * as dashEntry from '../dist/dmoe-dash.js';
import * as hlsEntry from '../dist/dmoe-hls.js';
import { checkOutput, classMembers, declarations } from './dts.mjs';

const here = dirname(fileURLToPath(import.meta.url));
initSync({ module: readFileSync(join(here, '../dist/dmoe_bg.wasm')) });
const decl = declarations();
const kbps = [330, 770, 1650, 3300];

/** Runs `n` segments of 2 s through a transfer loop: start, progress, end. */
function download(start, progress, end, n, bytesOf) {
  for (let i = 0; i < n; i++) {
    const key = { i };
    const bytes = bytesOf(i);
    start(key, i);
    progress(key, bytes / 2);
    end(key, bytes);
  }
}

test('Shaka: the advisor chooses among Shaka variants and hears every segment', () => {
  const seen = [];
  const m = new DmoeShakaAbrManager({ config: { seed: 3 }, cmcd: true, onDecision: (o) => seen.push(o) });
  const switched = [];
  m.init((v, clear) => switched.push([v.id, clear]));
  m.configure({ defaultBandwidthEstimate: 500000 });
  const variants = kbps.map((k, i) => ({ id: 10 + i, bandwidth: k * 1000, video: { id: 100 + i, width: 640, height: 360, codecs: 'avc1.4d401e' } }));
  assert.equal(m.setVariants(variants, false), true);
  assert.equal(m.setVariants(variants.slice(), false), false, 'the same variants are not a new ladder');
  m.enable();
  const first = m.chooseVariant();
  assert.ok(variants.includes(first), 'the choice is one of Shaka\'s own variants');
  assert.equal(m.getBandwidthEstimate(), 500000, 'before a measurement: Shaka\'s default');
  let current = first;
  download(
    (key, i) => {
      key.uris = [`https://cdn.example/seg${i}.m4s`];
      m.onRequest(key, { stream: { id: current.video.id, type: 'video' }, segment: { startTime: 2 * i, endTime: 2 * i + 2 } });
    },
    (key, bytes) => m.segmentDownloaded(50, bytes, true, key),
    (key, bytes) => {
      m.onResponse({ originalRequest: key, data: new ArrayBuffer(bytes) }, { stream: { type: 'video' } });
      current = switched.length ? variants.find((v) => v.id === switched.at(-1)[0]) : current;
    },
    8,
    () => 100_000,
  );
  assert.equal(m.host.stats.transfers, 8);
  assert.equal(m.host.stats.completed, 8);
  assert.equal(m.host.stats.errors, 0);
  assert.ok(m.getBandwidthEstimate() > 500000, `a measured estimate: ${m.getBandwidthEstimate()}`);
  assert.ok(switched.every(([, clear]) => clear === false), 'switches keep the buffer');
  // An abandonment advised for a transfer is pushed to Shaka at once.
  m.onAbandon({}, 2);
  assert.deepEqual(switched.at(-1), [variants[2].id, false]);
  for (const o of seen) checkOutput(decl, o);
  assert.ok(seen.some((o) => o.type === 'advice'));
  m.release();
});

test('Shaka: the advisor\'s CMCD keys go on segment requests as a query', () => {
  const m = new DmoeShakaAbrManager({ config: { seed: 4 }, cmcd: true });
  m.init(() => {});
  m.setVariants(kbps.map((k, i) => ({ id: i, bandwidth: k * 1000, video: { id: i } })), false);
  m.enable();
  m.chooseVariant();
  const request = { uris: ['https://cdn.example/a/seg0.m4s'] };
  m.onRequest(request, { stream: { id: 0, type: 'video' }, segment: { startTime: 0, endTime: 2 } });
  const u = new URL(request.uris[0]);
  const q = u.searchParams.get('CMCD');
  assert.match(q, /(^|,)sid="[0-9a-f-]{36}"/);
  assert.match(q, /(^|,)ot=v(,|$)/);
  assert.match(q, /(^|,)br=\d+/);
  m.release();
});

/** A stand-in for dash.js 5's player and rules context. */
function fakeDash() {
  const handlers = new Map();
  const player = {
    settings: null,
    rules: [],
    updateSettings(s) { this.settings = s; },
    addABRCustomRule(type, name, factory) { this.rules.push({ type, name, rule: factory({}).create() }); },
    on(name, fn) { handlers.set(name, fn); },
    getVideoElement: () => null,
    emit(name, e) { handlers.get(name)?.(e); },
  };
  return player;
}

test('dash.js: built-in rules off, the advisor answers every switch request', () => {
  const player = fakeDash();
  const seen = [];
  const rule = DmoeDashRule.attach(player, { config: { seed: 5 }, onDecision: (o) => seen.push(o) });
  const rules = player.settings.streaming.abr.rules;
  for (const name of ['throughputRule', 'bolaRule', 'insufficientBufferRule', 'switchHistoryRule', 'droppedFramesRule', 'abandonRequestsRule']) {
    assert.equal(rules[name].active, false, `${name} is off`);
  }
  assert.equal(player.settings.streaming.buffer.fastSwitchEnabled, false);
  assert.deepEqual(player.rules.map((r) => [r.type, r.name]), [['qualitySwitchRules', 'DmoeRule'], ['abandonFragmentRules', 'DmoeAbandonRule']]);
  const reps = kbps.map((k, i) => ({ id: String(i), bandwidth: k * 1000, width: 640, height: 360, codecs: 'avc1.4d401e', frameRate: 30 }));
  let current = null;
  const ctx = (type = 'video', request = null) => ({
    getMediaType: () => type,
    getMediaInfo: () => ({}),
    getAbrController: () => ({ getPossibleVoRepresentationsFilteredBySettings: () => reps }),
    getCurrentRequest: () => request,
  });
  assert.equal(rule.getSwitchRequest(ctx('audio')).representation, null, 'audio is left to dash.js');
  const sr = rule.getSwitchRequest(ctx());
  assert.ok(reps.includes(sr.representation), 'the answer is one of dash.js\'s representations');
  assert.equal(sr.priority, 1, 'STRONG');
  current = sr.representation;
  download(
    (request, i) => {
      Object.assign(request, { mediaType: 'video', type: 'MediaSegment', duration: 2, representation: current, index: i });
      player.emit('fragmentLoadingStarted', { request });
    },
    (request, bytes) => {
      request.bytesLoaded = bytes;
      rule.shouldAbandon(ctx('video', request));
    },
    (request, bytes) => {
      player.emit('fragmentLoadingCompleted', { request, response: new ArrayBuffer(bytes) });
      current = rule.getSwitchRequest(ctx()).representation ?? current;
    },
    8,
    () => 80_000,
  );
  assert.equal(rule.host.stats.completed, 8);
  assert.equal(rule.host.stats.errors, 0);
  for (const o of seen) checkOutput(decl, o);
  assert.ok(seen.filter((o) => o.type === 'advice').length >= 9);
  rule.release();
});

test('the classes index.d.ts declares have every member it names', () => {
  for (const [name, cls] of [['AdvisorHost', AdvisorHost], ['DmoeShakaAbrManager', DmoeShakaAbrManager], ['DmoeDashRule', DmoeDashRule]]) {
    const members = classMembers(name);
    assert.ok(members.length > 3, `${name} declares members`);
    const host = new AdvisorHost({ config: { seed: 1 } });
    const instance = name === 'AdvisorHost' ? host : name === 'DmoeDashRule' ? new cls(fakeDash(), { config: { seed: 1 } }) : new cls({ config: { seed: 1 } });
    for (const m of members) {
      assert.ok(m in instance || m in cls, `${name}.${m} exists`);
    }
    (instance.release ?? (() => {})).call(instance);
    host.release();
  }
  assert.equal(typeof cmcdQuery, 'function');
});

test('each player entry carries its own adapter and not the others', () => {
  assert.equal(typeof shakaEntry.DmoeShakaAbrManager, 'function');
  assert.equal(shakaEntry.DmoeDashRule, undefined);
  assert.equal(typeof dashEntry.DmoeDashRule, 'function');
  assert.equal(dashEntry.DmoeAbrController, undefined);
  assert.equal(typeof hlsEntry.DmoeAbrController, 'function');
  assert.equal(hlsEntry.DmoeShakaAbrManager, undefined);
});

test('cmcdQuery writes CTA-5004 tokens', () => {
  const q = cmcdQuery({ br: 770, bl: 4000, bs: false, cid: null, d: 2000, dl: 0, mtp: 5200, nor: null, nrr: null, ot: 'video', pr: 1.0, rtp: null, sf: 'h', sid: 'ab"c', st: 'v', su: true, tb: 3300, v: null, ltc: null, sn: null, sta: 'playing' });
  assert.equal(q, 'bl=4000,br=770,d=2000,dl=0,mtp=5200,ot=v,sf=h,sid="ab\\"c",st=v,sta=p,su,tb=3300');
});
