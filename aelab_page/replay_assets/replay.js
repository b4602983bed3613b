// The network and a run's replay, drawn by hand on canvases: no build step, nothing fetched.
// `data` is aelab.replay.payload(): F frames of one run. Play, Pause, the scrubber and the pattern
// menu change only what is drawn here; nothing is sent to the server.

const POSITIVE = [8, 119, 189]; // a positive weight (TensorFlow Playground's blue)
const NEGATIVE = [245, 147, 34]; // a negative weight (its orange)
const PALE = [232, 234, 235];
const LOW = [247, 248, 252]; // an activation at the bottom of its range ...
const HIGH = [30, 34, 90]; // ... and at the top
const SHARED = "#fde2e1"; // rows whose code another pattern shares
const PLAY_SECONDS = 4; // a whole replay plays in about this long, however many frames
const MIN_FRAME_MS = 30;
const COMPACT_ABOVE = 32; // wider nets are drawn as weight strips, not lines
const MAX_HIDDEN_DRAWN = 16; // a wider bottleneck draws every stride-th hidden unit (1024 circles were a solid column)
const MIN_NET = 300; // px (at 16 px text) the network needs beside the code

let S = 1; // the page's text size over 16 px: lesson mode (?present=1) sets larger text, and the drawing follows
const px = (size) => Math.round(size * S);
const played = new Set(); // runs this page has auto-played already (a rerun must not restart one)

const STEPS = 100; // colours are taken from tables of this many steps: no string built per cell
const ramp = (a, b) =>
  Array.from({ length: STEPS + 1 }, (_, s) => `rgb(${a.map((v, i) => Math.round(v + ((b[i] - v) * s) / STEPS))})`);
const RAMPS = { positive: ramp(PALE, POSITIVE), negative: ramp(PALE, NEGATIVE), shade: ramp(LOW, HIGH) };
const step = (t) => Math.round(STEPS * Math.max(0, Math.min(1, t))) || 0;
const weightColour = (w, scale) => (w >= 0 ? RAMPS.positive[step(w / scale)] : RAMPS.negative[step(-w / scale)]);
const shade = (v, lo, hi) => (v === null ? "#ccc" : RAMPS.shade[step((v - lo) / (hi - lo || 1))]);
const fmt = (v, digits) => (v === null || v === undefined ? "–" : Number(v).toPrecision(digits));

// A frame's reconstructions of the patterns shown, (P', N'): out(h W2 + b2) as aelab.probe.decode
// does it, sigmoid, a softmax over all N outputs (whose log-sum-exp per pattern is in the payload), or z itself.
// Worked out once per frame.
function outputsOf(d, f) {
  d.decoded = d.decoded || [];
  if (d.decoded[f]) return d.decoded[f];
  const H = d.hidden[f], W2 = d.W2[f], b2 = d.b2[f], k = d.hidden_units;
  d.decoded[f] = H.map((h, r) => d.shown_units.map((_, c) => {
    let z = b2[c]; // null (a weight or value that was not finite) must not count as 0
    if (z === null) return null;
    for (let j = 0; j < k; j++) {
      if (h[j] === null || W2[j][c] === null) return null;
      z += h[j] * W2[j][c];
    }
    if (!Number.isFinite(z)) return null;
    if (d.linear) return z;
    return d.softmax ? Math.exp(z - d.output_lse[f][r]) : 1 / (1 + Math.exp(-z));
  }));
  return d.decoded[f];
}

function setupCanvas(canvas, width, height) {
  const ratio = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.font = `${px(13)}px sans-serif`;
  ctx.textBaseline = "middle";
  return ctx;
}

function maxAbs(...matrices) {
  let m = 1e-9;
  for (const rows of matrices) for (const row of rows) for (const v of Array.isArray(row) ? row : [row]) {
    if (v !== null && Math.abs(v) > m) m = Math.abs(v);
  }
  return m;
}

// The network: inputs, hidden units, outputs; edges coloured by sign and sized by weight; the units
// lit by the chosen pattern's activations.
function drawNetwork(canvas, d, f, pattern, width) {
  const units = d.shown_units, k = d.hidden_units, n = units.length;
  const height = px(Math.max(200, Math.min(460, n * 13 + 50)));
  const ctx = setupCanvas(canvas, width, height);
  const W1 = d.W1[f], W2 = d.W2[f], b1 = d.b1[f], b2 = d.b2[f];
  const scale = maxAbs(W1, W2);
  const row = d.shown_patterns.indexOf(pattern);
  const hidden = row >= 0 ? d.hidden[f][row] : null;
  const outputs = row >= 0 ? outputsOf(d, f)[row] : null;
  const [lo, hi] = d.hidden_range;
  const top = px(36), bottom = height - px(12);
  const unitY = (i, count) => (count === 1 ? (top + bottom) / 2 : top + (i * (bottom - top)) / (count - 1));
  const xIn = width * 0.1, xHid = width * 0.48, xOut = width * 0.84;
  ctx.fillStyle = "#555";
  ctx.textAlign = "center";
  ctx.fillText(`input (${d.width})`, xIn, px(12));
  const hStride = Math.ceil(k / MAX_HIDDEN_DRAWN), m = Math.ceil(k / hStride); // m hidden units drawn
  ctx.fillText(m < k ? `hidden (${k}, ${m} shown)` : `hidden (${k})`, xHid, px(12));
  ctx.fillText(`output (${d.width})`, xOut, px(12));
  const radius = Math.max(3, Math.min(9, (bottom - top) / Math.max(n, 1) / 2 - 1));
  // many hidden units get smaller circles (their values printed only where they fit)
  const hidRadius = Math.max(m > 8 ? px(7) : px(14), Math.min(px(18), (bottom - top) / m / 3));
  const hidY = (j) => { // hidden unit j, one of those drawn (j a multiple of hStride)
    const at = j / hStride;
    return m === 1 ? (top + bottom) / 2 : top + hidRadius + (at * (bottom - top - 2 * hidRadius)) / (m - 1);
  };
  if (d.width <= COMPACT_ABOVE) {
    ctx.lineCap = "round";
    for (const [layer, x0, x1] of [[W1, xIn, xHid], [W2, xHid, xOut]]) {
      for (let i = 0; i < n; i++) for (let j = 0; j < k; j += hStride) {
        const w = layer === W1 ? W1[i][j] : W2[j][i];
        if (w === null) continue;
        const lit = layer === W1 && units[i] === pattern;
        ctx.strokeStyle = weightColour(w, scale);
        ctx.globalAlpha = lit ? 1 : 0.25 + 0.75 * Math.abs(w) / scale;
        ctx.lineWidth = 0.5 + 3.5 * Math.abs(w) / scale;
        ctx.beginPath();
        const yIn = unitY(i, n), yHid = hidY(j);
        if (layer === W1) { ctx.moveTo(x0, yIn); ctx.lineTo(x1, yHid); } else { ctx.moveTo(x0, yHid); ctx.lineTo(x1, yIn); }
        ctx.stroke();
      }
    }
    ctx.globalAlpha = 1;
  } else {
    // A wide net: each weight matrix as a heat strip between its layers, one row per unit shown,
    // one column per hidden unit (W2 transposed), aligned with the unit bands.
    const stripWidth = Math.min(width * 0.12, 10 * k);
    for (const [layer, x] of [[W1, (xIn + xHid) / 2], [W2, (xHid + xOut) / 2]]) {
      const cellH = (bottom - top) / n, cellW = stripWidth / k;
      for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) {
        const w = layer === W1 ? W1[i][j] : W2[j][i];
        ctx.fillStyle = w === null ? "#ccc" : weightColour(w, scale);
        ctx.fillRect(x - stripWidth / 2 + j * cellW, top - cellH / 2 + i * cellH, cellW + 0.5, cellH + 0.5);
      }
      ctx.fillStyle = "#555";
      ctx.fillText(layer === W1 ? "W1 (N×k)" : "W2ᵀ (N×k)", x, px(28));
      ctx.strokeStyle = "rgba(0,0,0,0.12)";
      ctx.lineWidth = 1;
      for (let j = 0; j < k; j += hStride) { // faint fans from each strip column to its hidden unit
        ctx.beginPath();
        ctx.moveTo(layer === W1 ? x + stripWidth / 2 : x - stripWidth / 2, hidY(j));
        ctx.lineTo(layer === W1 ? xHid - hidRadius : xHid + hidRadius, hidY(j));
        ctx.stroke();
      }
    }
  }
  // Units: inputs (the pattern's one-hot), hidden (its activations), outputs (its reconstruction).
  ctx.lineWidth = 1;
  for (let i = 0; i < n; i++) {
    const y = unitY(i, n), on = units[i] === pattern;
    for (const [x, value, l, h] of [[xIn, on ? 1 : 0, 0, 1], [xOut, outputs ? outputs[i] : null, 0, 1]]) {
      ctx.beginPath();
      ctx.arc(x, y, radius, 0, 2 * Math.PI);
      ctx.fillStyle = value === null ? "#fff" : shade(value, l, h);
      ctx.fill();
      ctx.strokeStyle = on ? "#e8590c" : "#888";
      ctx.stroke();
    }
    if (n <= 16) {
      ctx.fillStyle = "#555";
      ctx.textAlign = "right";
      ctx.fillText(String(units[i]), xIn - radius - 4, y);
      ctx.textAlign = "left";
      ctx.fillText(outputs && outputs[i] !== null ? outputs[i].toFixed(2) : "", xOut + radius + 4, y);
    }
  }
  ctx.textAlign = "center";
  for (let j = 0; j < k; j += hStride) {
    const y = hidY(j);
    ctx.beginPath();
    ctx.arc(xHid, y, hidRadius, 0, 2 * Math.PI);
    ctx.fillStyle = hidden ? shade(hidden[j], lo, hi) : "#fff";
    ctx.fill();
    ctx.strokeStyle = "#444";
    ctx.stroke();
    if (hidden && hidRadius >= px(12)) {
      ctx.fillStyle = (hidden[j] - lo) / (hi - lo || 1) > 0.5 ? "#fff" : "#222";
      ctx.fillText(hidden[j] === null ? "–" : hidden[j].toFixed(2), xHid, y);
    }
  }
  canvas.layout = { xIn, xOut, top, bottom, units, radius }; // for a click on an input or output unit
  canvas.legend = `pattern ${pattern} lit · edges: blue +, orange −, width up to |w| = ${fmt(scale, 2)}`;
  return height;
}

// The hidden code: one row per pattern, a cell per hidden unit shaded by its activation, with its
// bit; rows sharing a code tinted. For k = 2 or 3, the codes in the square or cube beside it.
const LABEL = () => px(34); // the pattern numbers' column
const codeCell = (d) => Math.max(6, Math.min(px(22), px(360) / Math.max(d.shown_patterns.length, 1)));
const codeTableWidth = (d) => LABEL() + d.hidden_units * Math.max(codeCell(d), px(18));
// the corners are the binary codes: real-valued data has none to show
const cornerPlotSize = (d) => (d.binary && (d.hidden_units === 2 || d.hidden_units === 3) ? px(170) : 0);
const codeCanvasWidth = (d) => codeTableWidth(d) + (cornerPlotSize(d) ? cornerPlotSize(d) + 24 : 0);

function drawCode(canvas, d, f, pattern, width) {
  const rows = d.shown_patterns, k = d.hidden_units, H = d.hidden[f];
  const [lo, hi] = d.hidden_range;
  const cell = codeCell(d), tableW = codeTableWidth(d), plot = cornerPlotSize(d);
  const label = LABEL(), cellW = (tableW - label) / k;
  const height = Math.max(px(18) + rows.length * cell, plot + px(24));
  const ctx = setupCanvas(canvas, width, height);
  const codes = H.map((h) => h.map((v) => (v !== null && v > d.threshold ? 1 : 0)).join(""));
  const count = {};
  for (const c of codes) count[c] = (count[c] || 0) + 1;
  ctx.textAlign = "center";
  for (let r = 0; r < rows.length; r++) {
    const y = px(16) + r * cell;
    if (d.binary && count[codes[r]] > 1) { ctx.fillStyle = SHARED; ctx.fillRect(0, y, tableW, cell); }
    ctx.fillStyle = rows[r] === pattern ? "#e8590c" : "#555";
    if (cell >= 9) ctx.fillText(String(rows[r]), label / 2 - 2, y + cell / 2);
    for (let j = 0; j < k; j++) {
      const v = H[r][j];
      ctx.fillStyle = shade(v, lo, hi);
      ctx.fillRect(label + j * cellW + 1, y + 1, cellW - 2, cell - 2);
      if (cell >= 12 && d.binary) {
        ctx.fillStyle = (v - lo) / (hi - lo || 1) > 0.5 ? "#fff" : "#222";
        ctx.fillText(codes[r][j], label + (j + 0.5) * cellW, y + cell / 2);
      }
    }
    if (rows[r] === pattern) { ctx.strokeStyle = "#e8590c"; ctx.lineWidth = 2; ctx.strokeRect(1, y, tableW - 1, cell); }
  }
  ctx.fillStyle = "#555";
  ctx.fillText(d.binary ? "bits" : "hidden", label + (tableW - label) / 2, px(7));
  if (plot) drawCorners(ctx, d, H, pattern, tableW + px(16), px(14), plot - px(8));
  return height;
}

// The codes in the unit square (k = 2) or an oblique view of the cube (k = 3).
function drawCorners(ctx, d, H, pattern, x0, y0, size) {
  const [lo, hi] = d.hidden_range;
  const k = d.hidden_units, depth = k === 3 ? 0.35 : 0;
  const pad = px(10), inner = size - 2 * pad, side = inner * (1 - depth); // room for the points' labels
  const project = (h) => {
    const t = h.map((v) => (v - lo) / (hi - lo || 1));
    const z = k === 3 ? t[2] : 0;
    return [x0 + pad + t[0] * side + z * depth * inner, y0 + size - pad - (t[1] * side + z * depth * inner)];
  };
  const corners = k === 3 ? 8 : 4;
  ctx.strokeStyle = "#bbb";
  ctx.lineWidth = 1;
  for (let a = 0; a < corners; a++) for (let bit = 0; bit < k; bit++) {
    const b = a ^ (1 << bit);
    if (b < a) continue;
    const p = project([0, 1, 2].slice(0, k).map((i) => ((a >> i) & 1 ? hi : lo)));
    const q = project([0, 1, 2].slice(0, k).map((i) => ((b >> i) & 1 ? hi : lo)));
    ctx.beginPath(); ctx.moveTo(...p); ctx.lineTo(...q); ctx.stroke();
  }
  ctx.font = `${px(12)}px sans-serif`;
  d.shown_patterns.forEach((p, r) => {
    if (H[r].some((v) => v === null)) return;
    const [x, y] = project(H[r]);
    ctx.beginPath();
    ctx.arc(x, y, p === pattern ? 6 : 4, 0, 2 * Math.PI);
    ctx.fillStyle = p === pattern ? "#e8590c" : "#4338ca";
    ctx.fill();
    if (d.shown_patterns.length <= 16) { ctx.fillStyle = "#222"; ctx.fillText(String(p), x + 9, y - 6); }
  });
}

// The reconstructions: one row per pattern, one column per output, shaded 0 to 1.
function drawOutputs(canvas, d, f, pattern, width) {
  const rows = d.shown_patterns, units = d.shown_units, Y = outputsOf(d, f);
  const cell = Math.max(2, Math.min(px(18), Math.floor((width - 10) / units.length), px(360) / rows.length));
  const top = px(16), height = top + rows.length * cell;
  const ctx = setupCanvas(canvas, width, height);
  ctx.fillStyle = "#555";
  ctx.textAlign = "left";
  // Many patterns (the digits' 1797) are shown by a stride: say how many of them these rows are
  const sample = rows.length < d.patterns ? ` · ${rows.length} of the ${d.patterns.toLocaleString()} patterns` : "";
  ctx.fillText(`reconstructions${sample}`, 0, px(7));
  canvas.setAttribute("aria-label", `the reconstructions${sample}`);
  for (let r = 0; r < rows.length; r++) for (let c = 0; c < units.length; c++) {
    ctx.fillStyle = shade(Y[r][c], 0, 1);
    ctx.fillRect(c * cell, top + r * cell, cell - (cell > 4 ? 1 : 0), cell - (cell > 4 ? 1 : 0));
  }
  const r = rows.indexOf(pattern);
  if (r >= 0) { ctx.strokeStyle = "#e8590c"; ctx.lineWidth = 2; ctx.strokeRect(1, top + r * cell, units.length * cell - 1, cell); }
  return height;
}

// The loss curve of the whole run (log scale), a marker at the frame's epoch, a line where it solved.
function drawLoss(canvas, d, f, width) {
  const height = px(110);
  const ctx = setupCanvas(canvas, width, height);
  const xs = d.curve_epochs, ys = d.curve_loss.map((v) => (v !== null && v > 0 ? Math.log10(v) : null));
  const valid = ys.filter((v) => v !== null);
  if (!valid.length) { ctx.fillStyle = "#777"; ctx.fillText("loss: not trained yet", 4, height / 2); return height; }
  const left = px(60), right = width - px(12), top = px(8), bottom = height - px(22);
  const last = Math.max(xs[xs.length - 1], 1);
  let ymin = Math.min(...valid), ymax = Math.max(...valid);
  if (ymax - ymin < 1e-9) { ymin -= 0.5; ymax += 0.5; }
  const X = (e) => left + ((right - left) * e) / last;
  const Y = (v) => bottom - ((bottom - top) * (v - ymin)) / (ymax - ymin);
  ctx.strokeStyle = "#ccc"; ctx.lineWidth = 1;
  ctx.strokeRect(left, top, right - left, bottom - top);
  ctx.fillStyle = "#555"; ctx.textAlign = "right";
  ctx.fillText(fmt(10 ** ymax, 2), left - 3, top + 4);
  ctx.fillText(fmt(10 ** ymin, 2), left - 3, bottom - 4);
  ctx.textAlign = "center";
  ctx.fillText("epoch", (left + right) / 2, height - 6);
  ctx.textAlign = "left"; ctx.fillText("0", left, height - 6);
  ctx.textAlign = "right"; ctx.fillText(String(xs[xs.length - 1]), right, height - 6);
  if (d.solved_epoch !== null) {
    ctx.strokeStyle = "#0ca678"; ctx.setLineDash([4, 3]);
    ctx.beginPath(); ctx.moveTo(X(d.solved_epoch), top); ctx.lineTo(X(d.solved_epoch), bottom); ctx.stroke();
    ctx.setLineDash([]);
  }
  ctx.strokeStyle = "#4338ca"; ctx.lineWidth = 1.5;
  ctx.beginPath();
  let started = false;
  xs.forEach((e, i) => {
    if (ys[i] === null) return;
    if (started) ctx.lineTo(X(e), Y(ys[i])); else { ctx.moveTo(X(e), Y(ys[i])); started = true; }
  });
  ctx.stroke();
  const epoch = d.epochs[f], loss = d.loss[f];
  ctx.strokeStyle = "#e8590c"; ctx.lineWidth = 1;
  ctx.beginPath(); ctx.moveTo(X(epoch), top); ctx.lineTo(X(epoch), bottom); ctx.stroke();
  if (loss !== null && loss > 0) {
    ctx.beginPath(); ctx.arc(X(epoch), Y(Math.log10(loss)), 4, 0, 2 * Math.PI);
    ctx.fillStyle = "#e8590c"; ctx.fill();
  }
  return height;
}

const percentOf = (share) => (share === null || share === undefined ? "–" : (100 * share).toFixed(1) + "%");

function statusText(d, f) {
  const frames = d.epochs.length;
  const who = d.describe ? `${d.describe} · ` : ""; // none in present mode: the header above names the run
  if (frames === 1 && d.epochs[0] === 0) return `${who}initial weights, not trained yet`;
  if (frames === 1) return `${who}training: epoch ${d.epochs[0].toLocaleString()} · loss ${fmt(d.loss[0], 3)}`;
  const codes = d.distinct_codes[f];
  const head = `epoch ${d.epochs[f].toLocaleString()} of ${d.epochs[frames - 1].toLocaleString()} · loss ${fmt(d.loss[f], 3)}`;
  if (!d.binary) return head + ` · variance explained ${percentOf(d.variance_explained && d.variance_explained[f])}`;
  return (
    head +
    ` · bits right ${d.bits_correct[f] === null ? "–" : (100 * d.bits_correct[f]).toFixed(1) + "%"}` +
    ` · distinct codes ${codes === null ? "–" : codes} of ${d.patterns}`
  );
}

const HTML = `
<div class="aelab-replay">
  <div class="head">
  <div class="bar">
    <button class="play" type="button">▶ Play</button>
    <input class="aelab-scrub" type="range" min="0" max="0" step="1" value="0" aria-label="replay epoch">
    <label class="pick">pattern <select class="pattern" aria-label="pattern"></select></label>
  </div>
  <div class="status" aria-live="off"></div>
  </div>
  <div class="panes">
    <div class="pane net-pane"><canvas class="net" role="img" aria-label="the network"></canvas>
      <div class="legend"></div></div>
    <div class="pane side">
      <div class="row"><canvas class="code" role="img" aria-label="the hidden code"></canvas>
      <canvas class="outs" role="img" aria-label="the reconstructions"></canvas></div>
      <canvas class="loss" role="img" aria-label="the loss curve"></canvas>
    </div>
  </div>
</div>`;

export default function (component) {
  const { data, parentElement } = component;
  let state = parentElement.__aelab;
  if (!state) {
    const holder = document.createElement("div");
    holder.innerHTML = HTML;
    parentElement.appendChild(holder);
    const q = (s) => holder.querySelector(s);
    state = parentElement.__aelab = {
      root: q(".aelab-replay"), play: q(".play"), scrub: q(".aelab-scrub"), pattern: q(".pattern"),
      status: q(".status"), net: q(".net"), legend: q(".legend"), code: q(".code"), outs: q(".outs"), loss: q(".loss"),
      frame: 0, playing: false, timer: null, run: null, data: null, lastStep: 0,
    };
    const s = state;
    s.draw = () => {
      const d = s.data, f = s.frame, p = Number(s.pattern.value);
      S = (parseFloat(getComputedStyle(document.documentElement).fontSize) || 16) / 16;
      const total = (s.root.clientWidth || 900) - 6; // less the padding, and a little to spare against wrapping
      // The network beside the code and reconstructions when they fit (the network at least
      // MIN_NET wide, at most half), else one under the other.
      const codeWidth = codeCanvasWidth(d);
      const outsWidth = Math.max(px(120), d.shown_units.length * Math.min(px(18), 6 * S) + 4);
      const sideNeeds = codeWidth + 16 + outsWidth;
      const wide = total - sideNeeds - 16 >= px(MIN_NET);
      const netWidth = wide ? Math.max(px(MIN_NET), Math.min(total - sideNeeds - 16, Math.floor(total / 2))) : total;
      const sideWidth = wide ? total - netWidth - 16 : total;
      const t0 = performance.now();
      drawNetwork(s.net, d, f, p, netWidth);
      s.legend.textContent = s.net.legend;
      drawCode(s.code, d, f, p, codeWidth);
      drawOutputs(s.outs, d, f, p, Math.max(sideWidth - codeWidth - 16, outsWidth));
      drawLoss(s.loss, d, f, sideWidth);
      s.status.textContent = statusText(d, f);
      s.scrub.value = String(f);
      const ms = performance.now() - t0;
      window.aelabReplay.timings.push(ms);
      if (!(s.run in window.aelabReplay.firstDrawn)) window.aelabReplay.firstDrawn[s.run] = performance.now();
      return ms;
    };
    s.show = (f) => { s.frame = Math.max(0, Math.min(f, s.data.epochs.length - 1)); s.draw(); };
    s.stop = () => {
      s.playing = false;
      if (s.timer) cancelAnimationFrame(s.timer);
      s.timer = null;
      s.play.textContent = "▶ Play";
    };
    s.tick = (now) => {
      if (!s.playing) return;
      const frames = s.data.epochs.length;
      const every = Math.max(MIN_FRAME_MS, (PLAY_SECONDS * 1000) / frames);
      if (now - s.lastStep >= every) {
        s.lastStep = now;
        if (s.frame >= frames - 1) { s.stop(); return; }
        s.show(s.frame + 1);
      }
      s.timer = requestAnimationFrame(s.tick);
    };
    s.start = () => {
      if (s.frame >= s.data.epochs.length - 1) s.frame = 0; // play again from the start
      s.playing = true;
      s.play.textContent = "❚❚ Pause";
      s.lastStep = 0;
      s.timer = requestAnimationFrame(s.tick);
    };
    s.play.addEventListener("click", () => (s.playing ? s.stop() : s.start()));
    s.scrub.addEventListener("input", () => { s.stop(); s.show(Number(s.scrub.value)); });
    s.pattern.addEventListener("change", () => s.draw());
    s.net.addEventListener("click", (event) => { // a click on an input or output unit picks its pattern
      const at = s.net.layout, box = s.net.getBoundingClientRect();
      const x = event.clientX - box.left, y = event.clientY - box.top, n = at.units.length;
      if (Math.min(Math.abs(x - at.xIn), Math.abs(x - at.xOut)) > 3 * at.radius) return;
      const i = Math.round(n === 1 ? 0 : ((y - at.top) * (n - 1)) / (at.bottom - at.top));
      if (i < 0 || i >= n || !s.data.shown_patterns.includes(at.units[i])) return;
      s.pattern.value = String(at.units[i]);
      s.draw();
    });
    new ResizeObserver(() => s.data && s.draw()).observe(s.root);
    // The benchmark and the browser tests reach the replay here: `state` is the view most recently
    // handed a run of several frames (the replay; the live view during training has one frame).
    window.aelabReplay = window.aelabReplay || {
      timings: [], firstDrawn: {}, state: null,
      drawFrame: (f) => { const r = window.aelabReplay.state; r.stop(); r.frame = f; return r.draw(); },
      outputs: (f) => outputsOf(window.aelabReplay.state.data, f),
    };
  }
  const s = state;
  const fresh = !s.data || s.run !== data.run;
  s.data = data;
  s.run = data.run;
  if (data.epochs.length > 1 || !window.aelabReplay.state) window.aelabReplay.state = s;
  const frames = data.epochs.length;
  s.scrub.max = String(frames - 1);
  s.scrub.disabled = frames < 2;
  s.play.disabled = frames < 2;
  s.root.classList.toggle("single", frames < 2);
  if (fresh) {
    const chosen = Number(s.pattern.value) || 0;
    s.pattern.innerHTML = data.shown_patterns.map((p) => `<option value="${p}">${p}</option>`).join("");
    s.pattern.value = String(data.shown_patterns.includes(chosen) ? chosen : 0);
    s.stop();
    s.frame = frames - 1;
    if (data.autoplay && frames > 1 && !played.has(data.run)) {
      played.add(data.run);
      s.frame = 0;
      s.draw();
      s.start();
      return () => s.stop();
    }
  }
  s.draw();
  return () => s.stop();
}
