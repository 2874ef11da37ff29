// Parses every .swift file of the Swift package with tree-sitter's Swift grammar and fails
// on the first syntax error, naming file, line and column. A syntax check only: no Swift
// compiler exists on this machine kind, so types and names are not checked here.
//   node bindings/swift/check/parse.cjs
'use strict';
const fs = require('fs');
const path = require('path');
const Parser = require('tree-sitter');
const Swift = require('tree-sitter-swift');

const pkg = path.resolve(__dirname, '..');
const files = [];
(function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'build' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.swift')) files.push(p);
  }
})(pkg);

/**
 * `src` as the compiler sees it for a toolchain of version `v`: `#if swift(>=X)` and
 * `#if compiler(>=X)` blocks (which may wrap bare attributes, beyond the grammar) are
 * resolved, their directive lines blanked so that line numbers hold. Other conditions
 * (`canImport`) stay for the grammar.
 */
function resolveVersions(src, v) {
  const out = [];
  const stack = []; // per open #if: { version: bool, keep: bool }
  const keeping = () => stack.every((b) => !b.version || b.keep);
  const ge = (a, b) => {
    const x = a.split('.').map(Number);
    const y = b.split('.').map(Number);
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) > (y[i] || 0);
    }
    return true;
  };
  for (const line of src.split('\n')) {
    const t = line.trim();
    const m = /^#if\s+(swift|compiler)\(>=\s*([0-9.]+)\)\s*$/.exec(t);
    if (m) {
      stack.push({ version: true, keep: ge(v, m[2]) });
      out.push('');
    } else if (t.startsWith('#if')) {
      stack.push({ version: false });
      out.push(keeping() ? line : '');
    } else if (t === '#else' && stack.length && stack[stack.length - 1].version) {
      const b = stack[stack.length - 1];
      b.keep = !b.keep;
      out.push('');
    } else if (t.startsWith('#endif') && stack.length) {
      const b = stack.pop();
      out.push(b.version || !keeping() ? '' : line);
    } else {
      out.push(keeping() ? line : '');
    }
  }
  return out.join('\n');
}

const parser = new Parser();
parser.setLanguage(Swift);
// The check itself: a broken file must fail it.
if (!parser.parse('func f( {\n  let = \n}\n').rootNode.hasError) {
  console.error('the Swift grammar accepted a syntax error: the check would prove nothing');
  process.exit(1);
}

let bad = 0;
for (const f of files.sort()) {
  const text = fs.readFileSync(f, 'utf8');
  const rel = path.relative(pkg, f);
  // Swift 6 (Xcode 16) and Swift 5.7: both sides of every version condition.
  for (const v of ['6.0', '5.7']) {
    const src = resolveVersions(text, v);
    // The binding's 32 KiB default buffer is too small for the generated file.
    const tree = parser.parse(src, undefined, { bufferSize: src.length * 2 + 1024 });
    if (!tree.rootNode.hasError) {
      console.log(`parsed ${rel} as Swift ${v} (${src.split('\n').length} lines)`);
      continue;
    }
    bad++;
    const stack = [tree.rootNode];
    let shown = 0;
    while (stack.length && shown < 5) {
      const n = stack.pop();
      if (n.type === 'ERROR' || n.isMissing) {
        const at = n.startPosition;
        const near = JSON.stringify(src.slice(n.startIndex, n.startIndex + 60));
        console.error(`${rel}:${at.row + 1}:${at.column + 1} (Swift ${v}): syntax error near ${near}`);
        shown++;
        continue;
      }
      for (let i = n.childCount - 1; i >= 0; i--) stack.push(n.child(i));
    }
  }
}
if (files.length === 0) {
  console.error('no .swift files found');
  process.exit(1);
}
process.exit(bad ? 1 : 0);
