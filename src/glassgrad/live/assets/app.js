/* glassgrad live view and report, part 2: the page (network diagram, panels, live updates by
 * server-sent events or a slider over a report's snapshots). Plain JavaScript, SVG and canvas;
 * no library, no network beyond this page's own server (live) or none at all (report). The
 * numbers shown come from the snapshots, which come from glassgrad.explain. */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const MODE = document.body.dataset.mode;
  const { fmt, sci, el, svgEl, decode, diverging, scaleFor, paint, enlarge, mapCanvas, channel,
          hex, table, chart, hist, PALETTE } = window.GG;  // from draw.js
  const page = { meta: null, snap: null, epochs: [], status: {}, selected: null, shots: [] };

  // ------------------------------------------------------------------ network diagram
  const X0 = 60, DX = 150, Y0 = 46, DY = 42, NODE = 32;
  function buildNetwork() {
    const box = $("network"), cols = page.meta.columns;
    box.textContent = "";
    const rows = Math.max(...cols.map((c) => c.shown));
    box.style.height = (Y0 + rows * DY + 30) + "px";
    box.style.width = (X0 + (cols.length - 1) * DX + 90) + "px";
    box.appendChild(svgEl("svg", { id: "edges", width: box.style.width,
                                   height: box.style.height }));
    cols.forEach((col, j) => {
      const act = col.kind && col.kind !== "input" && col.kind !== "identity" ? " · " + col.kind : "";
      const label = el("div", { class: "col-label" },
        (j === 0 ? "input" : col.name + " " + col.type + act) + " (" + col.units + ")");
      label.style.left = (X0 + j * DX - 55 + NODE / 2) + "px"; label.style.top = "4px";
      box.appendChild(label);
      for (let i = 0; i < col.shown; i++) {
        const n = el("div", { class: "neuron", "data-layer": j, "data-unit": i });
        n.style.left = (X0 + j * DX) + "px"; n.style.top = (Y0 + i * DY) + "px";
        n.addEventListener("click", () => select(j, i));
        box.appendChild(n);
      }
      if (col.units > col.shown) {
        const more = el("div", { class: "more" }, "+" + (col.units - col.shown) + " more");
        more.style.left = (X0 + j * DX - 8) + "px";
        more.style.top = (Y0 + col.shown * DY) + "px";
        box.appendChild(more);
      }
    });
    const kind = page.meta.input.kind;
    $("unit-note").textContent = kind === "plane" ? "over the input plane (as in TensorFlow " +
      "Playground)" : kind === "image" ? "(feature maps for conv channels, the mean for the " +
      "sample otherwise)" : "for the chosen sample";
    $("network-note").textContent = page.meta.parameters + " parameters";
    $("model").textContent = page.meta.model;
  }
  function nodeY(i) { return Y0 + i * DY + NODE / 2; }
  function drawEdges(snap) {
    const svg = $("edges");
    svg.textContent = "";
    let wmax = 0;
    snap.columns.forEach((c) => (c.edges || []).forEach((r) => r.forEach((w) => {
      if (typeof w === "number") wmax = Math.max(wmax, Math.abs(w));
    })));
    snap.columns.forEach((c, j) => {
      if (!c.edges) return;
      const x1 = X0 + (j - 1) * DX + NODE + 2, x2 = X0 + j * DX, how = page.meta.columns[j].edges;
      c.edges.forEach((row, i) => row.forEach((w, k) => {
        if (typeof w !== "number") return;
        const y1 = nodeY(k), y2 = nodeY(i), mid = (x1 + x2) / 2;
        const p = svgEl("path", { d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`,
          stroke: w >= 0 ? "#0877bd" : "#f59322", "stroke-width": (0.3 + 5 * Math.abs(w) / (wmax || 1)).toFixed(2),
          fill: "none", "stroke-opacity": 0.75, class: "edge" });
        const t = svgEl("title");
        t.textContent = (how === "w" ? "w = " : how + " = ") + fmt(w);
        p.appendChild(t);
        svg.appendChild(p);
      }));
    });
  }
  function featureOf(snap, j) {
    const name = page.meta.columns[j].name;
    return (snap.features || []).find((f) => f.name === name);
  }
  function updateNodes(snap) {
    const plane = page.meta.input.kind === "plane";
    document.querySelectorAll("#network .neuron").forEach((n) => {
      const j = +n.dataset.layer, i = +n.dataset.unit, col = page.meta.columns[j];
      const value = snap.columns[j].values[i];
      const feat = featureOf(snap, j);
      let img = null;
      if (plane) img = snap.maps.columns[j][i];
      else if (feat) img = channel(feat.img, i);
      else if (j === 0 && snap.image) img = channel(snap.image, i);
      n.textContent = "";
      n.classList.toggle("dot", !img);
      if (img) n.appendChild(mapCanvas(img, col.kind, plane));
      else {
        const c = diverging(scaleFor(col.kind, { lo: -1, hi: 1 })(typeof value === "number" ? value : 0));
        n.style.background = `rgb(${c.map(Math.round).join(",")})`;
      }
      n.dataset.value = typeof value === "number" ? value : "";
      n.title = (j === 0 ? "input " : col.name + " ") + (i + 1) + ": a = " + fmt(value) +
        " (sample " + snap.sample + ")";
    });
  }

  // ------------------------------------------------------------------ output panel
  function drawPoints(canvas) {
    const pl = page.meta.plane, ctx = canvas.getContext("2d"), [x0, x1, y0, y1] = pl.extent;
    const labels = page.meta.labels, size = canvas.width;
    const binary = page.meta.output_units === 1;
    pl.points.forEach((p, k) => {
      const px = (p[0] - x0) / (x1 - x0) * size, py = (y1 - p[1]) / (y1 - y0) * size;
      const lab = labels[k];
      ctx.beginPath(); ctx.arc(px, py, 2.6, 0, 2 * Math.PI);
      ctx.fillStyle = binary ? (lab > pl.threshold ? "#0877bd" : "#f59322") :
        PALETTE[Math.round(lab) % PALETTE.length];
      ctx.fill(); ctx.lineWidth = 0.8; ctx.strokeStyle = "#fff"; ctx.stroke();
    });
    return canvas;
  }
  function renderOutput(snap) {
    const box = $("output"), kind = page.meta.input.kind;
    box.textContent = "";
    if (kind === "plane") {
      $("output-title").textContent = "Decision boundary (the output over the input plane)";
      const d = snap.maps.decision, n = d.shape[0], v = decode(d), thr = page.meta.plane.threshold;
      const cols = page.meta.columns, last = cols[cols.length - 1].kind;
      const multi = page.meta.output_units > 1;
      const m = Math.max(Math.abs(d.lo - thr), Math.abs(d.hi - thr)) || 1;
      const f = (x) => multi ? hex(PALETTE[Math.round(x) % PALETTE.length], 0.45) :
        diverging(last === "sigmoid" ? 2 * (x - thr) : (x - thr) / m, 0.7);
      const big = enlarge(paint(el("canvas"), v, n, n, f), 300);
      big.id = "decision";
      box.appendChild(drawPoints(big));
      box.appendChild(el("p", { class: "note" }, multi ? "Colour: the class with the largest " +
        "output; points: the probe batch by label." : "Colour: the output (" +
        (thr ? "probability; white at 0.5" : "logit; white at 0") + "); points: the probe " +
        "batch by label."));
    } else if (kind === "image") {
      $("output-title").textContent = "Feature maps of sample " + snap.sample;
      figures(box, "input", snap.image, "input");
      (snap.features || []).forEach((f) => figures(box, f.name + " (" + f.img.shape[0] +
        " channels)", f.img, "ch"));
      if (snap.filters) {
        const w = snap.filters.img, [O, I] = w.shape;
        box.appendChild(el("div", { class: "note" }, "filters of " + snap.filters.name +
          " (" + O + "×" + I + ", blue positive, orange negative)"));
        const row = el("div", { class: "maps" });
        const raw = atob(w.q), k = w.shape[2] * w.shape[3];
        for (let o = 0; o < O; o++) {
          const img = { shape: [w.shape[2], w.shape[3]], lo: w.lo, hi: w.hi,
                        q: btoa(raw.slice(o * I * k, o * I * k + k)) };
          const m = Math.max(Math.abs(w.lo), Math.abs(w.hi)) || 1;
          const c = paint(el("canvas"), decode(img), w.shape[2], w.shape[3], (x) => diverging(x / m));
          c.style.width = c.style.height = "40px";
          row.appendChild(c);
        }
        box.appendChild(row);
      }
    } else if (kind === "sequence") {
      $("output-title").textContent = "Hidden state over time (sample " + snap.sample + ")";
      (snap.hidden || []).forEach((h) => {
        box.appendChild(el("div", { class: "note" }, h.name + ": rows = time steps (" +
          h.img.shape[0] + "), columns = hidden units (" + h.img.shape[1] + ")"));
        const c = paint(el("canvas"), decode(h.img), h.img.shape[0], h.img.shape[1],
          (x) => diverging(x));
        c.style.width = Math.min(480, 12 * h.img.shape[1]) + "px";
        c.style.height = Math.min(320, 8 * h.img.shape[0]) + "px";
        c.style.imageRendering = "pixelated";
        box.appendChild(c);
      });
    } else {
      $("output-title").textContent = "Output for sample " + snap.sample;
      const last = snap.columns[snap.columns.length - 1].values;
      box.appendChild(table(null, ["output", "value"], last.map((v, i) => [String(i + 1), v])));
    }
  }
  function figures(box, title, img, label) {
    box.appendChild(el("div", { class: "note" }, title));
    const row = el("div", { class: "maps" }), C = img.shape[0];
    for (let c = 0; c < Math.min(C, 32); c++) {
      const fig = el("figure"), can = mapCanvas(channel(img, c), null, false);
      can.style.width = can.style.height = (C > 8 ? 44 : 64) + "px";
      fig.appendChild(can); fig.appendChild(el("figcaption", {}, label + " " + (c + 1)));
      row.appendChild(fig);
    }
    box.appendChild(row);
  }

  // ------------------------------------------------------------------ the selected neuron
  function select(j, i) {
    page.selected = [j, i];
    document.querySelectorAll("#network .neuron").forEach((n) => n.classList.toggle(
      "selected", +n.dataset.layer === j && +n.dataset.unit === i));
    renderNeuron(page.snap);
  }
  function renderNeuron(snap) {
    if (!page.selected || !snap) return;
    const [j, i] = page.selected, col = page.meta.columns[j];
    $("neuron-name").textContent = (j === 0 ? "input " + (i + 1) : "layer " + col.name +
      " (" + col.type + "), unit " + (i + 1));
    const mapBox = $("neuron-map");
    mapBox.textContent = "";
    if (page.meta.input.kind === "plane") {
      const big = enlarge(mapCanvas(snap.maps.columns[j][i], col.kind, true, 0.7), 220);
      mapBox.appendChild(drawPoints(big));
    } else {
      const feat = featureOf(snap, j);
      if (feat) mapBox.appendChild(enlarge(mapCanvas(channel(feat.img, i), null, false), 160));
    }
    const box = $("trace");
    box.textContent = "";
    if (page.meta.trace) {
      box.appendChild(el("p", { class: "note" }, "Per-neuron trace tables: " + page.meta.trace));
      box.appendChild(table("value for sample " + snap.sample, ["a"],
        [[{ key: "a", value: snap.columns[j].values[i] }]], "trace-neuron"));
      return;
    }
    const tr = snap.trace, recs = tr.neurons.filter((r) => r.layer === j), r = recs[i];
    if (!r) return;
    box.appendChild(el("p", { class: "note" }, "Sample " + snap.sample + " of the probe batch; " +
      "E on this sample = " + fmt(tr.loss) + ". Neuron " + r.neuron + " as explain.trace " +
      "numbers it."));
    const keys = [["z", "z"], ["a", "a"], ["t", "t"], ["da_dz", "∂a/∂z"], ["dE_da", "∂E/∂a"],
                  ["delta", "δ = ∂E/∂z"]];
    box.appendChild(table("Forward and backward pass", keys.map((k) => k[1]),
      [keys.map((k) => ({ key: k[0], value: r[k[0]] }))], "trace-neuron"));
    if (j > 0) {
      const L = tr.layers[j - 1], ids = tr.ids, rows = [];
      const label = (k) => "w_{" + r.neuron + "," + k + "}";
      if (L.b) rows.push([label("0"), "0 (bias)", { key: "w", value: L.b[i] },
                          { key: "dw", value: L.db ? L.db[i] : null }]);
      L.w[i].forEach((w, k) => rows.push([label(ids[j - 1][k]), ids[j - 1][k],
        { key: "w", value: w }, { key: "dw", value: L.dw ? L.dw[i][k] : null }]));
      box.appendChild(table("Incoming weights and their gradients on this sample",
        ["weight", "from", "w", "∂E/∂w"], rows, "trace-weights"));
    }
  }

  // ------------------------------------------------------------------ curves
  function series() {  // {key: [[epochs done, value], ...]}
    const out = {};
    page.epochs.forEach((e) => Object.entries(e.logs).forEach(([k, v]) => {
      if (typeof v === "number") (out[k] = out[k] || []).push([e.epoch + 1, v]);
    }));
    return out;
  }
  function renderCurves() {
    const box = $("curves"), s = series();
    box.textContent = "";
    const losses = {}, metrics = {};
    Object.keys(s).forEach((k) => { if (k === "lr") return; (/loss$/.test(k) ? losses : metrics)[k] = s[k]; });
    const mark = page.snap ? page.snap.epoch : null;
    [[losses, "loss"], [metrics, "metrics"]].forEach(([d, title]) => {
      if (!Object.keys(d).length) return;
      box.appendChild(chart(title, d, mark));
      const leg = el("div", { class: "legend" });
      Object.keys(d).forEach((k, n) => {
        const sp = el("span"), i = el("i");
        i.style.background = PALETTE[(n + 1) % PALETTE.length];
        sp.appendChild(i);
        const last = d[k][d[k].length - 1][1];
        sp.appendChild(document.createTextNode(k + " " + fmt(last)));
        leg.appendChild(sp);
      });
      box.appendChild(leg);
    });
    if (!box.children.length) box.appendChild(el("p", { class: "note" }, "No finished epoch yet."));
  }

  // ------------------------------------------------------------------ stats and findings
  function renderStats(snap) {
    const box = $("stats");
    box.textContent = "";
    const ms = (d) => d ? sci(d.mean) + " ± " + sci(d.std) : "—";
    const t = table(null, ["layer (type, activation)", "units", "w mean ± std", "z mean ± std",
      "a mean ± std", "a histogram", "rms δ", "rms ∂E/∂w", "saturated", "dead"],
      snap.stats.map((r) => [r.name + " (" + r.type + ", " + r.activation + ")", String(r.units),
        ms(r.weight), ms(r.z), ms(r.a), "", r.delta ? sci(r.delta.rms) : "—",
        r.grad_weight ? sci(r.grad_weight.rms) : "—", r.saturated, r.dead]), "stats-table");
    t.querySelectorAll("tr").forEach((tr, k) => {
      if (k > 0) tr.children[5].appendChild(hist(snap.stats[k - 1].a));
    });
    box.appendChild(t);
    box.appendChild(el("p", { class: "note" }, "explain.layer_stats on the probe batch (" +
      page.meta.probe.size + " samples), loss " + fmt(snap.probe_loss) + ". Saturated and dead " +
      "are fractions of the layer's units."));
  }
  function renderFindings(snap) {
    const box = $("findings");
    box.textContent = "";
    if (!snap.findings.length) {
      box.appendChild(el("p", { class: "ok" }, "No problems found (explain.diagnose)."));
      return;
    }
    snap.findings.forEach((f) => {
      const d = el("div", { class: "finding " + f.severity });
      d.appendChild(el("span", { class: "sev" }, f.severity + " "));
      d.appendChild(el("b", {}, f.kind + (f.layer ? " [" + f.layer + "]" : "") + ": "));
      d.appendChild(document.createTextNode(f.message));
      d.appendChild(el("div", { class: "remedy" }, f.remedy));
      box.appendChild(d);
    });
  }

  // ------------------------------------------------------------------ status and showing
  function renderStatus() {
    const s = page.snap, st = page.status;
    let text;
    const shot = "snapshot " + (+$("slider").value + 1) + " of " + page.shots.length +
      " (after " + (s ? fmt(s.epoch, 2) : "—") + " epochs, step " + (s ? s.step : "—") + ")";
    if (MODE === "report") text = shot;
    else {
      text = (st.state || "connecting") + " · step " + (st.step === undefined ? "—" : st.step) +
        " · " + shot +
        (st.error ? " · " + st.error : "");
      document.body.dataset.state = st.state || "connecting";
    }
    const last = page.epochs[page.epochs.length - 1];
    if (last && typeof last.logs.loss === "number") text += " · loss " + fmt(last.logs.loss);
    $("status").textContent = text;
  }
  function show(snap) {
    page.snap = snap;
    if (!page.meta) return;
    drawEdges(snap); updateNodes(snap); renderOutput(snap); renderStats(snap);
    renderFindings(snap);
    if (!page.selected) {
      const cols = page.meta.columns;
      page.selected = [cols.length - 1, 0];
      select(cols.length - 1, 0);
    } else renderNeuron(snap);
    const sample = $("sample");
    if (document.activeElement !== sample) sample.value = snap.sample;
    renderCurves();
    renderStatus();
    document.body.dataset.seq = snap.seq;
  }

  // ------------------------------------------------------------------ live and report
  function control(action, value) {
    return fetch("control", { method: "POST", headers: { "Content-Type": "application/json" },
                              body: JSON.stringify({ action: action, value: value }) })
      .then((r) => { if (!r.ok) $("status").textContent = "control refused (" + r.status + ")"; })
      // NOTE: the status itself comes by the event stream; the reply may be older than it
      .catch(() => { $("status").textContent = "the training process is not reachable"; });
  }
  function startLive() {
    $("run").addEventListener("click", () => control("resume"));
    $("pause").addEventListener("click", () => control("pause"));
    $("step").addEventListener("click", () => control("step"));
    $("delay").addEventListener("change", (e) => control("delay", +e.target.value));
    $("sample").addEventListener("change", (e) => control("sample", +e.target.value));
    const es = new EventSource("events");
    es.addEventListener("meta", (e) => {
      page.meta = JSON.parse(e.data); page.epochs = [];
      if (!page.meta) return;
      $("sample").max = page.meta.probe.size - 1;
      buildNetwork();
    });
    es.addEventListener("epoch", (e) => { page.epochs.push(JSON.parse(e.data)); renderCurves(); renderStatus(); });
    es.addEventListener("snapshot", (e) => {
      const s = JSON.parse(e.data), slider = $("slider");
      if (!s) return;
      const follow = +slider.value >= page.shots.length - 1;
      page.shots.push(s);
      if (page.shots.length > 500) page.shots.splice(1, 1);  // keep the first and the latest
      slider.max = page.shots.length - 1;
      if (follow) { slider.value = page.shots.length - 1; show(s); }
    });
    $("slider").addEventListener("input", () => show(page.shots[+$("slider").value]));
    es.addEventListener("status", (e) => { page.status = JSON.parse(e.data); renderStatus(); });
    es.onerror = () => { if (es.readyState === EventSource.CLOSED) $("status").textContent = "disconnected"; };
  }
  function startReport() {
    const data = JSON.parse($("gg-data").textContent);
    page.meta = data.meta; page.shots = data.snapshots;
    page.epochs = (data.epochs || []).map((e, k) => ({ epoch: e, logs: Object.fromEntries(
      Object.entries(data.history || {}).map(([key, v]) => [key, v[k]])) }));
    const sample = $("sample");
    sample.readOnly = true; sample.title = "the sample recorded during training";
    buildNetwork();
    const slider = $("slider");
    slider.max = page.shots.length - 1; slider.value = page.shots.length - 1;
    slider.addEventListener("input", () => show(page.shots[+slider.value]));
    show(page.shots[page.shots.length - 1]);
    document.body.dataset.state = "report";
  }
  if (MODE === "report") startReport(); else { renderCurves(); startLive(); }
})();
