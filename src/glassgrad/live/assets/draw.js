/* glassgrad live view and report, part 1: drawing helpers (numbers as explain prints them,
 * 8-bit pictures, tables, charts). Plain JavaScript, no library; app.js uses them. */
(function () {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";
  const POS = [8, 119, 189], NEG = [245, 147, 34];
  const PALETTE = ["#f59322", "#0877bd", "#2da44e", "#8250df", "#cf222e", "#bf8700",
                   "#1b7c83", "#e16f24", "#6e7781", "#bc4c00"];

  // ------------------------------------------------------------------ numbers
  function fmt(v, p) {  // as glassgrad.explain.fmt: fixed decimals, -0.0000 -> 0.0000
    p = p === undefined ? 4 : p;
    if (v === null || v === undefined) return "—";
    if (typeof v === "string") return { NaN: "nan", Infinity: "inf", "-Infinity": "-inf" }[v] || v;
    if (!isFinite(v)) return isNaN(v) ? "nan" : (v > 0 ? "inf" : "-inf");
    let t = v.toFixed(p);
    if (t.startsWith("-") && Number(t) === 0) t = t.slice(1);
    return t;
  }
  function sci(v, p) {  // explain's scientific form: 1.234e-05 outside [1e-3, 1e5)
    p = p === undefined ? 4 : p;
    if (typeof v !== "number" || !isFinite(v) || v === 0) return fmt(v, p);
    const a = Math.abs(v);
    if (a >= 1e-3 && a < 1e5) return fmt(v, p);
    return v.toExponential(Math.max(p - 1, 1)).replace(/e([+-])(\d)$/, "e$10$2");
  }
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function svgEl(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    return e;
  }

  // ------------------------------------------------------------------ pictures
  function decode(img) {  // 8-bit picture -> values: lo + q / 255 * (hi - lo)
    const raw = atob(img.q), out = new Float32Array(raw.length), s = (img.hi - img.lo) / 255;
    for (let i = 0; i < raw.length; i++) out[i] = img.lo + raw.charCodeAt(i) * s;
    return out;
  }
  function diverging(t, fade) {  // t in [-1, 1]: orange, white, blue (fade: lighter)
    const c = t < 0 ? NEG : POS, a = Math.min(1, Math.abs(t)) * (fade || 1);
    return [255 + (c[0] - 255) * a, 255 + (c[1] - 255) * a, 255 + (c[2] - 255) * a];
  }
  function scaleFor(kind, img) {  // value -> t in [-1, 1] by what the activation can give
    if (kind === "tanh") return (v) => v;
    if (kind === "sigmoid" || kind === "softmax" || kind === "hardsigmoid") return (v) => 2 * v - 1;
    const m = Math.max(Math.abs(img.lo), Math.abs(img.hi)) || 1;
    return (v) => v / m;
  }
  function paint(canvas, values, h, w, colourOf) {
    canvas.width = w; canvas.height = h;
    const ctx = canvas.getContext("2d"), im = ctx.createImageData(w, h);
    for (let i = 0; i < h * w; i++) {
      const c = colourOf(values[i]);
      im.data[4 * i] = c[0]; im.data[4 * i + 1] = c[1]; im.data[4 * i + 2] = c[2];
      im.data[4 * i + 3] = 255;
    }
    ctx.putImageData(im, 0, 0);
    return canvas;
  }
  function enlarge(small, size) {  // a big canvas with the small one drawn smoothly
    const big = el("canvas", { width: size, height: size, class: "big" });
    const ctx = big.getContext("2d");
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(small, 0, 0, size, size * small.height / small.width);
    return big;
  }
  function mapCanvas(img, kind, plane, fade) {  // a neuron's map (2-D) or a feature map
    const v = decode(img), s = img.shape;
    const h = s.length >= 2 ? s[s.length - 2] : 1, w = s[s.length - 1];
    const f = plane ? scaleFor(kind, img) : null, span = (img.hi - img.lo) || 1;
    return paint(el("canvas"), v, h, w, plane ? (x) => diverging(f(x), fade) :
      (x) => diverging((x - img.lo) / span));
  }
  function channel(img, c) {  // one channel of a (C, H, W) picture as its own picture
    const [C, H, W] = img.shape, raw = atob(img.q);
    return { shape: [H, W], lo: img.lo, hi: img.hi,
             q: btoa(raw.slice(c * H * W, (c + 1) * H * W)), C: C };
  }

  function hex(h, a) {
    const n = parseInt(h.slice(1), 16), c = [n >> 16, (n >> 8) & 255, n & 255];
    return c.map((x) => 255 + (x - 255) * a);
  }
  // ------------------------------------------------------------------ tables
  function table(caption, head, rows, id) {
    const t = el("table", { class: "gg" });
    if (id) t.id = id;
    if (caption) t.appendChild(el("caption", {}, caption));
    const tr = el("tr");
    head.forEach((h) => tr.appendChild(el("th", {}, h)));
    t.appendChild(tr);
    rows.forEach((r) => {
      const row = el("tr");
      r.forEach((v, k) => {
        const keyed = v !== null && typeof v === "object";
        const cell = el("td", { class: typeof v === "string" ? "" : "num" },
          keyed ? fmt(v.value) : fmt(v));
        if (keyed) cell.dataset.key = v.key;
        row.appendChild(cell);
      });
      t.appendChild(row);
    });
    return t;
  }

  function chart(title, data, marker) {
    const W = 420, H = 170, L = 52, B = 22, keys = Object.keys(data);
    const svg = svgEl("svg", { width: W, height: H + 8, class: "chart" });
    const pts = keys.flatMap((k) => data[k]);
    if (!pts.length) return svg;
    const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]).filter(isFinite);
    const xmin = 0, xmax = Math.max(...xs, 1), ymin = Math.min(...ys), ymax = Math.max(...ys);
    const sx = (x) => L + (x - xmin) / ((xmax - xmin) || 1) * (W - L - 8);
    const sy = (y) => 8 + (ymax - y) / ((ymax - ymin) || 1) * (H - B - 8);
    svg.appendChild(svgEl("rect", { x: L, y: 8, width: W - L - 8, height: H - B - 8,
                                     fill: "none", stroke: "#d0d7de" }));
    [[ymax, 12], [ymin, H - B]].forEach(([v, y]) => {
      const t = svgEl("text", { x: L - 4, y: y, "text-anchor": "end" });
      t.textContent = sci(v, 3); svg.appendChild(t);
    });
    const tx = svgEl("text", { x: W - 8, y: H + 4, "text-anchor": "end" });
    tx.textContent = "epoch " + xmax; svg.appendChild(tx);
    const t0 = svgEl("text", { x: L, y: H + 4 }); t0.textContent = title; svg.appendChild(t0);
    keys.forEach((k, n) => svg.appendChild(svgEl("polyline", {
      points: data[k].filter((p) => isFinite(p[1])).map((p) => sx(p[0]).toFixed(1) + "," +
        sy(p[1]).toFixed(1)).join(" "),
      fill: "none", stroke: PALETTE[(n + 1) % PALETTE.length], "stroke-width": 1.8,
      "data-key": k })));
    if (marker !== null && marker !== undefined) svg.appendChild(svgEl("line", {
      x1: sx(marker), x2: sx(marker), y1: 8, y2: H - B, stroke: "#6f42c1",
      "stroke-dasharray": "3,3" }));
    return svg;
  }
  function hist(d) {
    const svg = svgEl("svg", { width: 90, height: 22, class: "hist" });
    if (!d || !d.hist || !d.hist.length) return svg;
    const m = Math.max(...d.hist) || 1, w = 90 / d.hist.length;
    d.hist.forEach((c, k) => svg.appendChild(svgEl("rect", { x: k * w, y: 22 - 22 * c / m,
      width: Math.max(w - 0.5, 0.5), height: 22 * c / m })));
    return svg;
  }
  window.GG = { fmt, sci, el, svgEl, decode, diverging, scaleFor, paint, enlarge, mapCanvas,
                channel, hex, table, chart, hist, PALETTE };
})();
