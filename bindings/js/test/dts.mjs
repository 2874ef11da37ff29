// The declared types of src/index.d.ts read as data, to check what the wasm really emits
// against them (the output interfaces are written one field per line for this).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));

/** The interfaces of index.d.ts: name -> [{ name, optional, type }], and the Output union. */
export function declarations() {
  const src = readFileSync(join(here, '../src/index.d.ts'), 'utf8');
  const interfaces = new Map();
  for (const m of src.matchAll(/export interface (\w+)(?: extends (\w+))? \{\n([\s\S]*?)\n\}/g)) {
    // An interface extending one declared above has that one's fields too (`Error` is not here).
    const fields = m[2] ? [...(interfaces.get(m[2]) ?? [])] : [];
    for (const line of m[3].split('\n')) {
      const f = line.match(/^ {2}(\w+)(\??): (.+);$/);
      if (f) fields.push({ name: f[1], optional: f[2] === '?', type: f[3] });
    }
    interfaces.set(m[1], fields);
  }
  const union = src.match(/export type Output = (.+);/)[1].split(' | ');
  return { interfaces, union };
}

/** Splits `t` on top-level `|`. */
function alternatives(t) {
  const out = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (c === '[' || c === '(') depth++;
    if (c === ']' || c === ')') depth--;
    if (depth === 0 && t.startsWith(' | ', i)) {
      out.push(cur);
      cur = '';
      i += 2;
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out;
}

/** Why `v` does not match the declared type `t` (null when it does). */
function mismatch(decl, v, t, path) {
  const alts = alternatives(t.trim());
  const reasons = [];
  for (const a of alts) {
    let r = null;
    if (a === 'number') r = typeof v === 'number' ? null : 'not a number';
    else if (a === 'string') r = typeof v === 'string' ? null : 'not a string';
    else if (a === 'boolean') r = typeof v === 'boolean' ? null : 'not a boolean';
    else if (a === 'null') r = v === null ? null : 'not null';
    else if (/^'.*'$/.test(a)) r = v === a.slice(1, -1) ? null : `not ${a}`;
    else if (a === '[string, string][]') {
      r = Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 2 && p.every((s) => typeof s === 'string'))
        ? null : 'not a list of pairs';
    } else if (a.endsWith('[]')) {
      r = Array.isArray(v) ? v.map((x, i) => mismatch(decl, x, a.slice(0, -2), `${path}[${i}]`)).find((x) => x) ?? null
        : 'not a list';
    } else if (decl.interfaces.has(a)) r = objectMismatch(decl, v, a, path);
    else r = `unknown declared type ${a}`;
    if (r === null) return null;
    reasons.push(r);
  }
  return `${path}: ${reasons.join('; ')}`;
}

function objectMismatch(decl, v, name, path) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return `${path}: not an object (${name})`;
  const fields = decl.interfaces.get(name);
  for (const k of Object.keys(v)) {
    if (!fields.some((f) => f.name === k)) return `${path}.${k}: not declared in ${name}`;
  }
  for (const f of fields) {
    if (!(f.name in v)) {
      if (f.optional) continue;
      return `${path}.${f.name}: missing (${name})`;
    }
    const r = mismatch(decl, v[f.name], f.type, `${path}.${f.name}`);
    if (r) return r;
  }
  return null;
}

/** The declared interface of an output, by its `type`, and whether it matches. */
export function checkOutput(decl, o) {
  const name = decl.union.find((n) => decl.interfaces.get(n).some((f) => f.name === 'type' && f.type === `'${o.type}'`));
  assert.ok(name, `output type ${o.type} is not declared in index.d.ts`);
  const r = objectMismatch(decl, o, name, o.type);
  assert.equal(r, null, r ?? '');
  return name;
}

/** The method and property names `export class name` declares in index.d.ts. */
export function classMembers(name) {
  const src = readFileSync(join(here, '../src/index.d.ts'), 'utf8');
  const m = src.match(new RegExp(`export class ${name} \\{\n([\\s\\S]*?)\n\\}`));
  assert.ok(m, `index.d.ts declares ${name}`);
  return [...m[1].matchAll(/^ {2}(?:static |readonly )*(\w+)[(?:<]/gm)].map((x) => x[1]).filter((n) => n !== 'constructor');
}
