// Reference mapping of V8 call frames through @jridgewell/trace-mapping, for the tests.
//
//   node sourcemap_reference.cjs frames NODE_MODULES PROFILE [DIR...]
//     prints {nodeId: {source, line, name} | null} for every node of a .cpuprofile: its
//     callFrame's position mapped as a consumer maps it (null when nothing maps).
//   node sourcemap_reference.cjs lookup NODE_MODULES MAP_FILE MAP_URL QUERIES_JSON
//     prints [[source, line, column, name] | null, ...] for [[line, column], ...] (lines
//     1-based, columns 0-based).
//
// Maps are found independently of flamekit's code: in each DIR, the script's file name (its
// last sourceMappingURL comment followed: a data: URL or a file in DIR), else NAME.map; then the
// script itself for file:// URLs. Sources resolve against the map's URL as it would be next to
// the script.
"use strict";
const fs = require("fs");
const path = require("path");

const [mode, modules, ...rest] = process.argv.slice(2);
const tm = require(path.resolve(modules, "@jridgewell", "trace-mapping"));

function lastComment(file) {
  const text = fs.readFileSync(file, "utf8");
  const all = [...text.matchAll(/\/\/[#@][ \t]*sourceMappingURL=([^\s'"]+)/g)];
  return all.length ? all[all.length - 1][1] : null;
}

function dataUrl(url) {
  const comma = url.indexOf(",");
  const head = url.slice(0, comma);
  const body = url.slice(comma + 1);
  if (head.endsWith(";base64")) return Buffer.from(decodeURIComponent(body), "base64").toString();
  return decodeURIComponent(body);
}

function fromComment(comment, folder, scriptUrl) {
  if (comment.startsWith("data:")) return { json: dataUrl(comment), url: scriptUrl };
  const file = path.join(folder, decodeURIComponent(comment));
  if (!fs.existsSync(file)) return null;
  return { json: fs.readFileSync(file, "utf8"), url: new URL(comment, scriptUrl).href };
}

function findMap(scriptUrl, dirs) {
  const name = path.basename(decodeURIComponent(new URL(scriptUrl).pathname));
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (fs.existsSync(candidate)) {
      const comment = lastComment(candidate);
      const found = comment && fromComment(comment, dir, scriptUrl);
      if (found) return found;
    }
    if (fs.existsSync(candidate + ".map")) {
      return {
        json: fs.readFileSync(candidate + ".map", "utf8"),
        url: new URL(name + ".map", scriptUrl).href,
      };
    }
  }
  if (scriptUrl.startsWith("file:")) {
    const file = decodeURIComponent(new URL(scriptUrl).pathname);
    if (fs.existsSync(file)) {
      const comment = lastComment(file);
      if (comment) return fromComment(comment, path.dirname(file), scriptUrl);
    }
  }
  return null;
}

function frames(profileFile, dirs) {
  const profile = JSON.parse(fs.readFileSync(profileFile, "utf8"));
  const maps = new Map();
  const out = {};
  for (const node of profile.nodes) {
    const frame = node.callFrame;
    out[node.id] = null;
    if (!frame.url || !/^(file|https?):/.test(frame.url) || frame.lineNumber < 0) continue;
    if (!maps.has(frame.url)) {
      const found = findMap(frame.url, dirs);
      maps.set(frame.url, found ? new tm.FlattenMap(found.json, found.url) : null);
    }
    const map = maps.get(frame.url);
    if (!map) continue;
    const pos = tm.originalPositionFor(map, {
      line: frame.lineNumber + 1,
      column: Math.max(frame.columnNumber, 0),
    });
    if (pos.source !== null) out[node.id] = { source: pos.source, line: pos.line, name: pos.name };
  }
  return out;
}

function lookup(mapFile, mapUrl, queriesJson) {
  const map = new tm.FlattenMap(fs.readFileSync(mapFile, "utf8"), mapUrl);
  const queries = JSON.parse(fs.readFileSync(queriesJson, "utf8"));
  return queries.map(([line, column]) => {
    const pos = tm.originalPositionFor(map, { line, column });
    return pos.source === null ? null : [pos.source, pos.line, pos.column, pos.name];
  });
}

const result = mode === "frames" ? frames(rest[0], rest.slice(1)) : lookup(...rest);
process.stdout.write(JSON.stringify(result));
