#include "results/timeline.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "checkers/op_pairs.h"
#include "checkers/fault_labels.h"

namespace faultline {
namespace {

constexpr size_t kMaxStringChars = 160;  // hover text, not the data: history.jsonl has it all
constexpr int kFields = 11;
constexpr int64_t kMaxLanes = 240;       // 480 px of lanes at 2 px each              // integers per op in "ops" (see the script's header)

// Interned strings: each distinct text once, ops refer to it by number.
class StringTable {
 public:
  int Id(std::string s) {
    if (s.size() > kMaxStringChars) {
      size_t cut = kMaxStringChars;
      while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 chars
      s = s.substr(0, cut) + "\u2026";
    }
    auto [it, added] = ids_.try_emplace(s, static_cast<int>(strings_.size()));
    if (added) strings_.push_back(it->first);
    return it->second;
  }
  int Json(const json& v) { return v.is_null() ? -1 : Id(v.dump(-1, ' ', false, json::error_handler_t::replace)); }
  void AppendTo(std::string* out) const {
    *out += "[";
    for (size_t i = 0; i < strings_.size(); ++i) {
      if (i) *out += ",";
      *out += json(strings_[i]).dump(-1, ' ', false, json::error_handler_t::replace);
    }
    *out += "]";
  }

 private:
  std::unordered_map<std::string, int> ids_;
  std::vector<std::string> strings_;
};

int64_t Micros(int64_t ns) { return ns >= 0 ? (ns + 500) / 1000 : -((-ns + 500) / 1000); }

void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  char* p = buf + sizeof buf;
  bool neg = v < 0;
  uint64_t u = neg ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v);
  do {
    *--p = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u);
  if (neg) *--p = '-';
  out->append(p, buf + sizeof buf - p);
}

// Keeps "</script" and "<!--" out of the embedded JSON text.
std::string ScriptSafe(std::string s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<' && i + 1 < s.size() && (s[i + 1] == '/' || s[i + 1] == '!')) {
      out += "\\u003c";
    } else {
      out += s[i];
    }
  }
  return out;
}

// The page's script; `ops` is a flat array, kFields integers per op, ops in
// order of invocation:
//   lane, start (us since the previous op's start), duration (us; -1 pending),
//   f*4 + outcome (0 ok, 1 fail, 2 info, 3 pending; f indexes strs),
//   key, value, result (strs index; -1 none; result -1 = same as value),
//   error (strs index or -1), invoke index (minus the previous op's),
//   completion index (minus the invoke's; -1 pending),
//   process (minus the previous process of the same lane; a lane starts at 0,
//   so the first op of a lane gives its process).
constexpr const char* kScript = R"JS(
(function () {
  'use strict';
  var F = 11, COL = ['#81BFFC', '#FF1E90', '#FFA400', '#FFD88A'], NAMES = ['ok', 'fail', 'info', 'pending'];
  var FAULT = ['#8d8d8d', '#26a69a', '#9575cd', '#a1887f', '#9ccc65', '#5c6bc0'];
  var t0 = performance.now();
  var D = JSON.parse(document.getElementById('fl-tl-data').textContent);
  var O = D.ops, N = D.n, S = D.strs, L = D.lanes.length;
  var start = new Float64Array(N), end = new Float64Array(N), lane = new Int32Array(N), kind = new Uint8Array(N);
  var idx = new Float64Array(N), proc = new Float64Array(N), laneProc = new Float64Array(L);
  var t = 0, ix = 0, maxShort = 0, longOps = [], span = Math.max(D.end, 1);
  for (var i = 0; i < N; i++) {
    var b = i * F;
    t += O[b + 1]; ix += O[b + 8];
    laneProc[O[b]] += O[b + 10]; proc[i] = laneProc[O[b]];
    start[i] = t; idx[i] = ix; lane[i] = O[b];
    end[i] = O[b + 2] < 0 ? span : t + O[b + 2];
    kind[i] = O[b + 3] & 3;
    var d = end[i] - t;
    if (d > span / 200) longOps.push(i); else if (d > maxShort) maxShort = d;
  }
  // Ops of each lane in start order (a process has one open op at a time: they never overlap).
  var laneCount = new Int32Array(L);
  for (i = 0; i < N; i++) laneCount[lane[i]]++;
  var laneOps = [];
  for (var l = 0; l < L; l++) laneOps.push(new Int32Array(laneCount[l]));
  laneCount.fill(0);
  for (i = 0; i < N; i++) laneOps[lane[i]][laneCount[lane[i]]++] = i;

  var canvas = document.getElementById('fl-tl-canvas'), ctx = canvas.getContext('2d');
  var tip = document.getElementById('fl-tl-tip'), info = document.getElementById('fl-tl-line');
  var G = 96, TOP = 4, AXIS = 22, faultRows = 0;
  // Lane height: 28 px for a few workers, down to 2 px for hundreds (480 px of lanes at most).
  var lh = Math.max(2, Math.min(28, Math.floor(480 / Math.max(L, 1))));
  // Fault label rows: greedy, so labels never overlap (at most 4 rows; others hover only).
  var faults = D.faults.map(function (f) { return {s: f[0], e: f[1], label: f[2], colour: FAULT[f[3] % FAULT.length], kind: f[3], detail: f[4], row: -1}; });
  // One slice of the lanes' height per fault kind: overlapping faults stack.
  var kinds = 1;
  faults.forEach(function (f) { kinds = Math.max(kinds, f.kind + 1); });
  var v0 = 0, v1 = span, W = 0, H = 0, dpr = window.devicePixelRatio || 1;
  var selected = -1, marked = {}, drawnOnce = false;
  var laneTop = function () { return TOP + faultRows * 13 + 4; };

  function resize() {
    W = canvas.parentNode.clientWidth || 900;
    H = laneTop() + L * lh + AXIS;
    canvas.style.width = W + 'px'; canvas.style.height = H + 'px';
    canvas.width = Math.round(W * dpr); canvas.height = Math.round(H * dpr);
  }
  function X(us) { return G + (us - v0) * (W - G) / (v1 - v0); }
  function T(x) { return v0 + (x - G) * (v1 - v0) / (W - G); }
  function secs(us) { return (us / 1e6).toFixed(us < 1e7 ? 4 : 3) + ' s'; }
  function str(k) { return k < 0 ? null : S[k]; }
  function layoutFaultRows() {
    ctx.font = '11px sans-serif';
    var rowEnd = [];
    faultRows = 0;
    faults.forEach(function (f) {
      var x0 = X(f.s), w = ctx.measureText(f.label).width + 6;
      f.row = -1;
      for (var r = 0; r < 4; r++) {
        if (!(rowEnd[r] > x0)) { f.row = r; rowEnd[r] = Math.max(x0 + w, X(f.e)); faultRows = Math.max(faultRows, r + 1); break; }
      }
    });
  }
  function firstVisible() {
    // Short ops: binary search on start >= v0 - maxShort; long ops are drawn separately.
    var lo = 0, hi = N, target = v0 - maxShort;
    while (lo < hi) { var m = (lo + hi) >> 1; if (start[m] < target) lo = m + 1; else hi = m; }
    return lo;
  }
  function draw() {
    var began = performance.now();
    layoutFaultRows();
    var top = laneTop();
    if (H !== top + L * lh + AXIS) resize();
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    ctx.font = '11px sans-serif';
    // Lanes: node groups shaded alternately, labels in the gutter.
    var prevNode = null, group = -1;
    for (var l = 0; l < L; l++) {
      var node = D.lanes[l][1];
      if (node !== prevNode) { group++; prevNode = node; }
      if (group % 2 === 0) { ctx.fillStyle = '#f4f4f4'; ctx.fillRect(0, top + l * lh, W, lh); }
      if (lh >= 10) {
        ctx.fillStyle = '#333';
        ctx.fillText((l === 0 || D.lanes[l - 1][1] !== node ? (node || '?') + ' ' : '') + (D.threads > 0 ? 'w' : 'p') + D.lanes[l][0], 2, top + l * lh + Math.round(lh / 2) + 4);
      } else if (l === 0 || D.lanes[l - 1][1] !== node) {
        ctx.fillStyle = '#333'; ctx.fillText(node || '?', 2, top + l * lh + 10);
      }
    }
    ctx.save();
    ctx.beginPath(); ctx.rect(G, 0, W - G, H); ctx.clip();
    // Fault labels above the lanes (their bands are drawn over the ops below).
    faults.forEach(function (f) {
      var x0 = Math.max(G, X(f.s)), x1 = Math.min(W, X(f.e));
      if (x1 < G || x0 > W) return;
      if (f.row >= 0) {
        ctx.fillStyle = f.colour; ctx.fillRect(X(f.s), TOP + f.row * 13, Math.max(2, X(f.e) - X(f.s)), 12);
        ctx.fillStyle = '#111'; ctx.fillText(f.label, Math.max(G, X(f.s)) + 3, TOP + f.row * 13 + 10);
      }
    });
    // Ops, merged per lane and outcome where they share pixels.
    var runs = [[], [], [], []], r0 = new Float64Array(L * 4).fill(-1), r1 = new Float64Array(L * 4).fill(-1);
    var visible = 0, detailed = [];
    function add(i) {
      var x0 = X(start[i]), x1 = X(end[i]);
      if (x1 < G || x0 > W) return;
      visible++;
      if (x0 < G) x0 = G;
      if (x1 > W) x1 = W;
      if (x1 - x0 < 1) x1 = x0 + 1;
      if (detailed && detailed.length < 4000) detailed.push(i); else detailed = null;
      var k = lane[i] * 4 + kind[i];
      if (r1[k] >= x0 - 0.5) { if (x1 > r1[k]) r1[k] = x1; return; }
      if (r1[k] >= 0) runs[kind[i]].push(lane[i], r0[k], r1[k]);
      r0[k] = x0; r1[k] = x1;
    }
    for (var j = 0; j < longOps.length; j++) add(longOps[j]);
    for (var i = firstVisible(); i < N && start[i] <= v1; i++) {
      if (end[i] - start[i] <= span / 200) add(i);
    }
    for (var k = 0; k < L * 4; k++) if (r1[k] >= 0) runs[k & 3].push(k >> 2, r0[k], r1[k]);
    var pad = lh >= 6 ? 1 : 0;
    [0, 3, 2, 1].forEach(function (o) {
      ctx.fillStyle = COL[o];
      var a = runs[o];
      for (var q = 0; q < a.length; q += 3) ctx.fillRect(a[q + 1], top + a[q] * lh + pad, a[q + 2] - a[q + 1], lh - 2 * pad);
    });
    // Few ops in view: outlines and labels.
    if (detailed && lh >= 10) {
      ctx.strokeStyle = '#555'; ctx.lineWidth = 0.5;
      detailed.forEach(function (i) {
        var x0 = Math.max(G, X(start[i])), x1 = Math.min(W, X(end[i]));
        if (x1 - x0 < 3) return;
        ctx.strokeRect(x0 + 0.5, top + lane[i] * lh + 1.5, x1 - x0 - 1, lh - 3);
        if (x1 - x0 > 30) {
          ctx.fillStyle = '#111';
          ctx.save(); ctx.beginPath(); ctx.rect(x0, top + lane[i] * lh, x1 - x0 - 2, lh); ctx.clip();
          ctx.fillText(opLabel(i), x0 + 3, top + lane[i] * lh + Math.round(lh / 2) + 4);
          ctx.restore();
        }
      });
    }
    // Fault bands over the ops (so that dense lanes do not hide them), each
    // kind in its own horizontal slice of the lanes: overlapping faults are
    // stacked, not drawn over each other.
    var sh = L * lh / kinds;
    faults.forEach(function (f) {
      var x0 = Math.max(G, X(f.s)), x1 = Math.min(W, X(f.e));
      if (x1 < G || x0 > W) return;
      var y0 = top + f.kind * sh;
      ctx.globalAlpha = 0.35; ctx.fillStyle = f.colour;
      ctx.fillRect(x0, y0, Math.max(1, x1 - x0), sh);
      ctx.globalAlpha = 1; ctx.fillStyle = f.colour;
      ctx.fillRect(x0, y0, Math.max(1, x1 - x0), 2);
      ctx.fillStyle = '#555';
      ctx.fillRect(x0, y0, 1, sh);
    });
    // Highlighted ops (counterexample) and the selected one.
    ctx.lineWidth = 2;
    Object.keys(marked).forEach(function (m) { outline(+m, '#c00000'); });
    if (selected >= 0) outline(selected, '#000');
    ctx.restore();
    axis(top + L * lh);
    var took = performance.now() - began;
    document.getElementById('fl-tl-status').textContent = N + ' ops in ' + L + ' lanes; ' + visible +
      ' in view (' + secs(v0) + ' \u2013 ' + secs(v1) + '); drawn in ' + took.toFixed(1) + ' ms';
    if (!drawnOnce) {
      drawnOnce = true;
      document.documentElement.setAttribute('data-timeline-drawn', String(N));
      // Since navigation start (parsing the page included), and the script's own share.
      document.documentElement.setAttribute('data-timeline-ms', performance.now().toFixed(0));
      document.documentElement.setAttribute('data-timeline-script-ms', (performance.now() - t0).toFixed(0));
      document.documentElement.setAttribute('data-timeline-draw-ms', took.toFixed(1));
    }
  }
  function outline(i, colour) {
    var x0 = X(start[i]), x1 = Math.max(X(end[i]), x0 + 3);
    ctx.strokeStyle = colour;
    ctx.strokeRect(x0, laneTop() + lane[i] * lh, x1 - x0, lh);
  }
  function axis(y) {
    ctx.fillStyle = '#333'; ctx.strokeStyle = '#333'; ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(G, y + 0.5); ctx.lineTo(W, y + 0.5); ctx.stroke();
    // Round steps (1, 2 or 5 x 10^k s), at most one label per 90 px; each
    // label centred on its tick but kept inside the canvas (the last is never clipped).
    var range = (v1 - v0) / 1e6, raw = range / Math.max(1, Math.floor((W - G) / 90));
    var p10 = Math.pow(10, Math.floor(Math.log10(raw))), m = raw / p10;
    var step = (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p10;
    var decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
    for (var k = Math.ceil(v0 / 1e6 / step); k * step <= v1 / 1e6; k++) {
      var s = k * step, x = X(s * 1e6);
      if (x < G - 0.5) continue;
      ctx.fillRect(x, y, 1, 4);
      var label = (Math.abs(s) < step / 2 ? 0 : s).toFixed(decimals) + ' s', tw = ctx.measureText(label).width;
      ctx.fillText(label, Math.max(G - tw / 2, Math.min(x - tw / 2, W - tw - 2)), y + 15);
    }
  }
  function opLabel(i) {
    var b = i * F, f = S[O[b + 3] >> 2], key = str(O[b + 4]), val = str(O[b + 5]), res = O[b + 6] >= 0 ? S[O[b + 6]] : null;
    return f + (key !== null ? ' ' + key : '') + (val !== null ? ' ' + val : '') + (res !== null ? ' \u2192 ' + res : '');
  }
  function describe(i) {
    var b = i * F, err = str(O[b + 7]);
    return 'process ' + proc[i] + ' on ' + (D.lanes[lane[i]][1] || '?') + ': ' + opLabel(i) + '\n' +
      NAMES[kind[i]] + '; invoked ' + secs(start[i]) + (kind[i] === 3 ? ', never completed' :
      ', completed ' + secs(end[i]) + ' (' + ((end[i] - start[i]) / 1000).toFixed(2) + ' ms)') +
      (err !== null ? '\nerror: ' + err : '') + '\nhistory index ' + idx[i];
  }
  // The op's history.jsonl lines, rebuilt from the embedded fields.
  function lines(i) {
    var b = i * F, p = proc[i], node = D.lanes[lane[i]][1];
    function line(index, time, type, value, err) {
      var s = '{"index":' + index + ',"time":' + Math.round(time) * 1000 + ',"type":"' + type + '","process":' + p +
        ',"f":' + JSON.stringify(S[O[b + 3] >> 2]) + ',"value":' + (value === null ? 'null' : value);
      if (O[b + 4] >= 0) s += ',"key":' + S[O[b + 4]];
      if (node) s += ',"node":' + JSON.stringify(node);
      if (err !== null) s += ',"error":' + JSON.stringify(err);
      return s + '}';
    }
    var out = line(idx[i], start[i], 'invoke', str(O[b + 5]), null);
    if (kind[i] !== 3) {
      out += '\n' + line(idx[i] + O[b + 9], end[i], NAMES[kind[i]], O[b + 6] >= 0 ? S[O[b + 6]] : str(O[b + 5]), str(O[b + 7]));
    } else {
      out += '\n(no completion: pending when the history ended)';
    }
    return out;
  }
  function hit(x, y) {
    var l = Math.floor((y - laneTop()) / lh);
    if (l < 0 || l >= L || x < G) return -1;
    var a = laneOps[l], tm = T(x), lo = 0, hi = a.length;
    while (lo < hi) { var m = (lo + hi) >> 1; if (start[a[m]] <= tm) lo = m + 1; else hi = m; }
    var best = -1, bestD = 4;
    for (var c = Math.max(0, lo - 2); c < Math.min(a.length, lo + 2); c++) {
      var i = a[c], x0 = X(start[i]), x1 = Math.max(X(end[i]), x0 + 1);
      var dist = x < x0 ? x0 - x : x > x1 ? x - x1 : 0;
      if (dist < bestD) { bestD = dist; best = i; }
    }
    return best;
  }
  function faultAt(x, y) {
    if (y > laneTop() - 4) return null;
    var tm = T(x), row = Math.floor((y - TOP) / 13);
    for (var q = 0; q < faults.length; q++) if (faults[q].row === row && faults[q].s <= tm && faults[q].e >= tm) return faults[q];
    return null;
  }
  var pending = false;
  // On the next animation frame; a timer as well, for pages that get no
  // frames (headless browsers, some embedded views): whichever comes first draws.
  function redraw() {
    if (pending) return;
    pending = true;
    var done = false;
    function go() { if (done) return; done = true; pending = false; draw(); }
    requestAnimationFrame(go);
    setTimeout(go, 100);
  }
  function clampView() {
    var w = Math.max(10, Math.min(span * 1.05, v1 - v0));
    if (v0 < -span * 0.025) v0 = -span * 0.025;
    v1 = v0 + w;
    if (v1 > span * 1.025) { v1 = span * 1.025; v0 = v1 - w; }
  }
  function zoom(factor, x) {
    var c = T(x === undefined ? (G + W) / 2 : x);
    v0 = c - (c - v0) * factor; v1 = c + (v1 - c) * factor; clampView(); redraw();
  }
  canvas.addEventListener('wheel', function (e) {
    e.preventDefault();
    var r = canvas.getBoundingClientRect();
    zoom(Math.exp((e.deltaY || e.deltaX) * 0.002), e.clientX - r.left);
  }, {passive: false});
  var drag = null;
  canvas.addEventListener('mousedown', function (e) { drag = {x: e.clientX, v0: v0, v1: v1, moved: false}; });
  window.addEventListener('mouseup', function () { setTimeout(function () { drag = null; }, 0); });
  canvas.addEventListener('mousemove', function (e) {
    var r = canvas.getBoundingClientRect(), x = e.clientX - r.left, y = e.clientY - r.top;
    if (drag && (e.buttons & 1)) {
      var dx = e.clientX - drag.x;
      if (Math.abs(dx) > 2) drag.moved = true;
      var per = (drag.v1 - drag.v0) / (W - G);
      v0 = drag.v0 - dx * per; v1 = drag.v1 - dx * per; clampView(); redraw();
      tip.style.display = 'none';
      return;
    }
    var i = hit(x, y), f = i < 0 ? faultAt(x, y) : null;
    if (i < 0 && !f) { tip.style.display = 'none'; return; }
    tip.textContent = i >= 0 ? describe(i) : f.label + '\n' + secs(f.s) + ' \u2013 ' + secs(f.e) + (f.detail ? '\n' + f.detail : '');
    tip.style.display = 'block';
    tip.style.left = Math.min(x + 14, W - 320) + 'px'; tip.style.top = (y + 14) + 'px';
  });
  canvas.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
  canvas.addEventListener('click', function (e) {
    if (drag && drag.moved) return;
    var r = canvas.getBoundingClientRect(), i = hit(e.clientX - r.left, e.clientY - r.top);
    if (i < 0) return;
    select(i);
  });
  function select(i) {
    selected = i;
    info.textContent = describe(i) + '\n\nhistory.jsonl (rebuilt from the report; times rounded to \u00b5s):\n' + lines(i);
    exactLines(i);
    redraw();
  }
  // Served over HTTP (faultline serve), the report can read history.jsonl
  // beside it: line n holds the event with index n. Loaded once, on the first
  // click; from a file:// page the browser forbids it and the rebuilt lines stay.
  var historyText = null, lineStart = null, historyState = 'none';
  function exactLines(i) {
    if (!/^https?:$/.test(location.protocol) || historyState === 'failed') return;
    if (historyState !== 'loaded') {
      if (historyState === 'loading') return;
      historyState = 'loading';
      fetch('history.jsonl').then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
        .then(function (text) {
          historyText = text;
          var starts = [0];
          for (var p = text.indexOf('\n'); p >= 0 && p + 1 < text.length; p = text.indexOf('\n', p + 1)) starts.push(p + 1);
          lineStart = starts; historyState = 'loaded';
          if (selected >= 0) exactLines(selected);
        }).catch(function () { historyState = 'failed'; });
      return;
    }
    function line(n) {
      if (n < 0 || n >= lineStart.length) return null;
      var e = historyText.indexOf('\n', lineStart[n]);
      return historyText.substring(lineStart[n], e < 0 ? historyText.length : e);
    }
    var a = line(idx[i]), b = kind[i] !== 3 ? line(idx[i] + O[i * F + 9]) : null;
    if (a === null) return;
    info.textContent = describe(i) + '\n\nhistory.jsonl lines ' + (idx[i] + 1) + (b !== null ? ' and ' + (idx[i] + O[i * F + 9] + 1) : '') +
      ' (from the file):\n' + a + (b !== null ? '\n' + b : '\n(no completion: pending when the history ended)');
    document.documentElement.setAttribute('data-timeline-exact-lines', String(idx[i]));
  }
  // Keys, once the canvas has focus (click or Tab): + / - zoom, arrows pan, 0 whole run.
  canvas.tabIndex = 0;
  canvas.addEventListener('keydown', function (e) {
    var w = v1 - v0;
    if (e.key === '+' || e.key === '=') zoom(0.5);
    else if (e.key === '-') zoom(2);
    else if (e.key === '0') { v0 = 0; v1 = span; redraw(); }
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      var d = (e.key === 'ArrowLeft' ? -0.2 : 0.2) * w;
      v0 += d; v1 += d; clampView(); redraw();
    } else return;
    e.preventDefault();
  });
  document.getElementById('fl-tl-in').onclick = function () { zoom(0.5); };
  document.getElementById('fl-tl-out').onclick = function () { zoom(2); };
  document.getElementById('fl-tl-reset').onclick = function () { v0 = 0; v1 = span; redraw(); };
  window.addEventListener('resize', function () { resize(); redraw(); });
  window.faultlineTimeline = {
    // Zooms to [t0_s, t1_s] and highlights the ops with these history indices
    // (invoke or completion index); selects the one of indices[0].
    show: function (indices, t0s, t1s) {
      var want = {}, first = -1;
      indices.forEach(function (x) { want[x] = true; });
      marked = {};
      for (var q = 0; q < N; q++) {
        var ci = kind[q] !== 3 ? idx[q] + O[q * F + 9] : -1;
        if (want[idx[q]] || want[ci]) {
          marked[q] = true;
          // Select the first op asked for (the counterexample lists its failing op first).
          if (first < 0 || idx[q] === indices[0] || ci === indices[0]) first = q;
        }
      }
      var pad = Math.max(1000, (t1s - t0s) * 1e6 * 0.15);
      v0 = t0s * 1e6 - pad; v1 = t1s * 1e6 + pad; clampView();
      if (first >= 0) select(first); else redraw();
      canvas.scrollIntoView({block: 'center'});
      var count = Object.keys(marked).length;
      document.documentElement.setAttribute('data-timeline-marked', String(count));
      return count;
    }
  };
  resize(); layoutFaultRows(); resize(); draw();
})();
)JS";

}  // namespace

std::string TimelineData(const History& history, const std::vector<FaultInterval>& faults, int64_t threads) {
  PairedOps paired = PairClientOps(history);
  // Lanes: processes, ordered by the node they talked to, then process id.
  // Without the worker count, one lane per process, unless there are so many
  // (a long history without test.json) that lanes would be under 2 px: then
  // process mod kMaxLanes (ops in a lane may overlap; hover picks the nearest).
  if (threads <= 0) {
    std::set<int64_t> procs;
    for (const OpPair& p : paired.pairs) procs.insert(history[p.invoke].process);
    if (procs.size() > kMaxLanes) threads = kMaxLanes;
  }
  auto lane_key = [&](int64_t process) { return threads > 0 ? process % threads : process; };
  std::map<int64_t, std::string> node_of;
  for (const OpPair& p : paired.pairs) {
    const Op& inv = history[p.invoke];
    std::string& n = node_of[lane_key(inv.process)];
    if (n.empty()) n = !inv.node.empty() ? inv.node : p.completion ? history[*p.completion].node : "";
  }
  std::vector<std::pair<std::string, int64_t>> order;
  for (const auto& [proc, node] : node_of) order.emplace_back(node, proc);
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first.size() != b.first.size() ? a.first.size() < b.first.size() : a.first < b.first;
    return a.second < b.second;
  });
  std::map<int64_t, int> lane_of;
  for (size_t i = 0; i < order.size(); ++i) lane_of[order[i].second] = static_cast<int>(i);

  std::vector<const OpPair*> ops;
  ops.reserve(paired.pairs.size());
  for (const OpPair& p : paired.pairs) ops.push_back(&p);
  std::stable_sort(ops.begin(), ops.end(), [&](const OpPair* a, const OpPair* b) {
    return history[a->invoke].time < history[b->invoke].time;
  });
  int64_t end_ns = 0;
  for (const Op& op : history) end_ns = std::max(end_ns, op.time);

  StringTable strs;
  std::string body;
  body.reserve(ops.size() * 30 + 1024);
  int64_t prev_start = 0, prev_index = 0;
  std::vector<int64_t> lane_process(order.size(), 0);
  bool first = true;
  auto index_of = [&](size_t pos) { return history[pos].index >= 0 ? history[pos].index : static_cast<int64_t>(pos); };
  for (const OpPair* p : ops) {
    const Op& inv = history[p->invoke];
    const Op* done = p->completion ? &history[*p->completion] : nullptr;
    int outcome = !done ? 3 : done->is_ok() ? 0 : done->is_fail() ? 1 : 2;
    int64_t start = Micros(inv.time);
    int64_t index = index_of(p->invoke);
    int result = -1;
    if (done && !done->value.is_null() && done->value != inv.value) result = strs.Json(done->value);
    int lane = lane_of[lane_key(inv.process)];
    int64_t fields[kFields] = {
        lane,
        start - prev_start,
        done ? std::max<int64_t>(0, Micros(done->time) - start) : -1,
        static_cast<int64_t>(strs.Id(inv.f)) * 4 + outcome,
        strs.Json(inv.key),
        strs.Json(inv.value),
        result,
        done && !done->error.empty() ? strs.Id(done->error) : -1,
        index - prev_index,
        done ? index_of(*p->completion) - index : -1,
        inv.process - lane_process[lane],
    };
    lane_process[lane] = inv.process;
    for (int64_t v : fields) {
      if (!first) body += ',';
      first = false;
      AppendInt(v, &body);
    }
    prev_start = start;
    prev_index = index;
  }

  std::map<std::string, int> fault_colour;
  std::string fault_text = "[";
  for (size_t i = 0; i < faults.size(); ++i) {
    const FaultInterval& iv = faults[i];
    auto [it, added] = fault_colour.try_emplace(iv.fault, static_cast<int>(fault_colour.size()));
    // Hover detail: who could not hear whom, for a partition.
    std::string detail;
    if (iv.value.is_object() && iv.value.contains("grudge") && iv.value["grudge"].is_object()) {
      for (const auto& [node, drops] : iv.value["grudge"].items()) {
        std::string from;
        if (drops.is_array()) {
          for (const json& d : drops) from += (from.empty() ? "" : ",") + (d.is_string() ? d.get<std::string>() : d.dump());
        }
        detail += (detail.empty() ? "grudge: " : "; ") + node + " drops " + from;
      }
    }
    json f = {Micros(iv.start), Micros(iv.end), DescribeFault(iv) + (iv.healed ? "" : " (never healed)"), it->second,
              detail};
    fault_text += (i ? "," : "") + f.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  fault_text += "]";

  std::string lanes = "[";
  for (size_t i = 0; i < order.size(); ++i) {
    lanes += (i ? "," : "") + json::array({order[i].second, order[i].first}).dump(-1, ' ', false, json::error_handler_t::replace);
  }
  lanes += "]";

  std::string out = "{\"n\":" + std::to_string(ops.size()) + ",\"threads\":" + std::to_string(threads) + ",\"end\":" + std::to_string(Micros(end_ns)) +
                    ",\"lanes\":" + lanes + ",\"faults\":" + fault_text + ",\"strs\":";
  strs.AppendTo(&out);
  out += ",\"ops\":[";
  out += body;
  out += "]}";
  return ScriptSafe(std::move(out));
}

std::string ErrorCatcherScript() {
  return "<script>window.addEventListener('error',function(e){"
         "document.documentElement.setAttribute('data-js-error',String(e.message));"
         "var d=document.createElement('pre');d.style.cssText='background:#fdd;padding:.5em';"
         "d.textContent='script error: '+e.message+' ('+(e.filename||'')+':'+(e.lineno||'')+')';"
         "(document.body||document.documentElement).prepend(d);});</script>\n";
}

std::string RenderTimeline(const History& history, const std::vector<FaultInterval>& faults, int64_t threads) {
  std::string h =
      "<div class=tl-controls><button id=fl-tl-in type=button>zoom in</button> "
      "<button id=fl-tl-out type=button>zoom out</button> <button id=fl-tl-reset type=button>whole run</button> "
      "<span class=caption>wheel: zoom at the cursor; drag: pan; keys + - &larr; &rarr; 0; hover: the op; click: its "
      "history lines. "
      "Colours: <span class=tl-key style=\"background:#81BFFC\"></span>ok "
      "<span class=tl-key style=\"background:#FF1E90\"></span>fail "
      "<span class=tl-key style=\"background:#FFA400\"></span>info "
      "<span class=tl-key style=\"background:#FFD88A\"></span>pending; "
      "bands: faults, one slice of the lanes per kind.</span></div>\n"
      "<div class=tl-wrap style=\"position:relative\"><canvas id=fl-tl-canvas></canvas>"
      "<pre id=fl-tl-tip class=tl-tip style=\"display:none\"></pre></div>\n"
      "<p id=fl-tl-status class=caption>drawing&hellip;</p><pre id=fl-tl-line class=tl-line>"
      "(click an op to see its history lines)</pre>\n"
      "<script type=\"application/json\" id=fl-tl-data>";
  h += TimelineData(history, faults, threads);
  h += "</script>\n<script>";
  h += kScript;
  h += "</script>\n";
  return h;
}

}  // namespace faultline
