// bus-tools serve: the page's behaviour. No dependencies, nothing fetched but this server's API.
// The model runs once per image, asked for every detection down to the server's floor; the
// threshold slider then filters those here, so moving it redraws at once.

const $ = (id) => document.getElementById(id);
const els = {
  drop: $('drop'),
  file: $('file'),
  chosen: $('chosen'),
  detect: $('detect'),
  status: $('status'),
  threshold: $('threshold'),
  thresholdValue: $('threshold-value'),
  legend: $('legend'),
  canvas: $('canvas'),
  caption: $('caption'),
  tbody: document.querySelector('#detections tbody'),
  downloadPng: $('download-png'),
  downloadJson: $('download-json'),
  modelInfo: $('model-info'),
};

const state = { info: undefined, file: undefined, image: undefined, imageUrl: undefined, result: undefined, sent: undefined };

const colourOf = (classId) => {
  const colours = state.info ? state.info.colours : ['#00e5ff', '#ff3df2'];
  return colours[Math.max(0, (classId || 1) - 1) % colours.length];
};
const threshold = () => Number(els.threshold.value);
const visible = () => (state.result ? state.result.detections.filter((d) => d.score >= threshold()) : []);
const baseName = (name) => (name || 'image').replace(/\.[^.]*$/, '');

function setStatus(text, isError = false) {
  els.status.textContent = text.charAt(0).toUpperCase() + text.slice(1);
  els.status.classList.toggle('error', isError);
  els.status.setAttribute('role', isError ? 'alert' : 'status');
}

function el(tag, attrs = {}, children = []) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') e.textContent = v;
    else if (k === 'style') Object.assign(e.style, v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

// ---- model information -------------------------------------------------------------------------

function renderModelInfo(timing) {
  const i = state.info;
  if (!i) return;
  const rows = [
    ['Model', i.isDefaultModel ? `${i.model} (${i.name})` : i.model],
    ['Layout', i.layout],
    ['Input size', `${i.inputWidth} × ${i.inputHeight}`],
    ['Device', i.device === 'cpu' && i.sessions > 1 ? `cpu, ${i.sessions} sessions` : i.device],
    ['Classes', i.labels.length ? i.labels.map((l) => l.label).join(', ') : 'class N (no label map)'],
  ];
  if (timing) rows.push(['Time taken', `${Math.round(timing.totalMs)} ms (model ${Math.round(timing.modelMs)} ms, decoding ${Math.round(timing.decodeMs)} ms)`]);
  els.modelInfo.replaceChildren(...rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]));
}

function renderLegend() {
  const labels = state.info && state.info.labels.length ? state.info.labels : [];
  els.legend.replaceChildren(
    ...labels.map((l) => el('li', {}, [el('span', { class: 'swatch', style: { background: l.colour }, 'aria-hidden': 'true' }), l.label])),
  );
}

async function loadModelInfo() {
  try {
    const r = await fetch('/api/model');
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    state.info = await r.json();
    els.threshold.min = String(state.info.minThreshold);
    els.threshold.value = String(state.info.threshold);
    renderModelInfo();
    renderLegend();
    renderThreshold();
  } catch (err) {
    setStatus(`Could not reach the bus-tools server (${err.message}). Is it still running?`, true);
  }
}

// ---- choosing an image -------------------------------------------------------------------------

function chooseFile(file) {
  if (!file) return;
  state.file = file;
  state.result = undefined;
  els.chosen.textContent = `${file.name || 'pasted image'} · ${file.size < 1024 ? `${file.size} bytes` : `${Math.round(file.size / 1024)} kB`}`;
  els.detect.disabled = false;
  setStatus('Press “Detect breast cancer” to analyse this image.');
  if (state.imageUrl) URL.revokeObjectURL(state.imageUrl);
  state.imageUrl = URL.createObjectURL(file);
  const img = new Image();
  img.onload = () => {
    if (state.file !== file) return;
    state.image = img;
    render();
  };
  img.onerror = () => {
    if (state.file !== file) return;
    state.image = undefined;
    render();
    // The server's answer, when there is one, says more than this.
    if (state.sent !== file) setStatus('The browser cannot show this file. Choose a PNG or JPEG image (the server will say what is wrong with it if you press Detect).', true);
  };
  img.src = state.imageUrl;
  render();
}

els.file.addEventListener('change', () => chooseFile(els.file.files[0]));
for (const type of ['dragenter', 'dragover']) {
  els.drop.addEventListener(type, (e) => {
    e.preventDefault();
    els.drop.classList.add('over');
  });
}
for (const type of ['dragleave', 'drop']) els.drop.addEventListener(type, () => els.drop.classList.remove('over'));
els.drop.addEventListener('drop', (e) => {
  e.preventDefault();
  const f = e.dataTransfer && e.dataTransfer.files[0];
  if (f) chooseFile(f);
});
// Dropping a file anywhere else must not navigate away from the page.
window.addEventListener('dragover', (e) => e.preventDefault());
window.addEventListener('drop', (e) => e.preventDefault());
document.addEventListener('paste', (e) => {
  const items = e.clipboardData ? [...e.clipboardData.items] : [];
  const item = items.find((it) => it.kind === 'file' && /^image\//.test(it.type));
  if (!item) return;
  e.preventDefault();
  chooseFile(item.getAsFile());
});

// ---- detection -----------------------------------------------------------------------------------

async function detect() {
  if (!state.file) return;
  els.detect.disabled = true;
  state.sent = state.file;
  setStatus('Analysing…');
  const form = new FormData();
  form.append('image', state.file, state.file.name || 'pasted.png');
  const floor = state.info ? state.info.minThreshold : 0.05;
  try {
    const r = await fetch(`/api/detect?threshold=${floor}`, { method: 'POST', body: form });
    const body = await r.json().catch(() => ({ message: `HTTP ${r.status}` }));
    if (!r.ok) {
      const retry = r.headers.get('retry-after');
      setStatus(`${body.message || `HTTP ${r.status}`}${retry ? ` (retry in ${retry} s)` : ''}`, true);
      return;
    }
    state.result = body;
    renderModelInfo(body.timing);
    render();
  } catch (err) {
    setStatus(`The request failed (${err.message}). Is the bus-tools server still running?`, true);
  } finally {
    els.detect.disabled = !state.file;
  }
}
els.detect.addEventListener('click', detect);

// ---- drawing, the table, the summary line ------------------------------------------------------

/** As draw.ts: line ≈ 1/200 and font ≈ 1/28 of the shorter side. */
function drawingScale(width, height) {
  const side = Math.min(width, height);
  return { line: Math.max(2, Math.round(side / 200)), font: Math.max(11, Math.round(side / 28)) };
}

function drawAnnotated(ctx, img, dets) {
  const w = img.naturalWidth;
  const h = img.naturalHeight;
  ctx.drawImage(img, 0, 0, w, h);
  const { line, font } = drawingScale(w, h);
  ctx.font = `${font}px 'DejaVu Sans Mono', monospace`;
  ctx.textBaseline = 'top';
  const pad = Math.round(font * 0.3);
  const tagH = Math.ceil(font * 1.35);
  for (const d of dets) {
    const [x, y, bw, bh] = d.bbox;
    ctx.lineWidth = line + 2;
    ctx.strokeStyle = 'rgba(0,0,0,0.7)';
    ctx.strokeRect(x + line / 2 - 0.5, y + line / 2 - 0.5, bw - line + 1, bh - line + 1);
    ctx.lineWidth = line;
    ctx.strokeStyle = colourOf(d.classId);
    ctx.strokeRect(x + line / 2, y + line / 2, bw - line, bh - line);
  }
  for (const d of dets) {
    const [x, y] = d.bbox;
    const text = `${d.label} ${d.score.toFixed(2)}`;
    const tagW = Math.min(w, ctx.measureText(text).width + 2 * pad);
    const tagY = y - tagH >= 0 ? y - tagH : Math.max(0, Math.min(y, h - tagH));
    const tagX = Math.max(0, Math.min(x, w - tagW));
    ctx.fillStyle = colourOf(d.classId);
    ctx.fillRect(tagX, tagY, tagW, tagH);
    ctx.fillStyle = '#000';
    ctx.fillText(text, tagX + pad, tagY + Math.round(font * 0.15));
  }
}

function renderThreshold() {
  els.thresholdValue.textContent = threshold().toFixed(2);
}

function render() {
  renderThreshold();
  const dets = visible();
  const ctx = els.canvas.getContext('2d');
  if (state.image) {
    els.canvas.width = state.image.naturalWidth;
    els.canvas.height = state.image.naturalHeight;
    drawAnnotated(ctx, state.image, dets);
  } else {
    ctx.clearRect(0, 0, els.canvas.width, els.canvas.height);
  }

  const rows = dets.map((d, i) =>
    el('tr', {}, [
      el('td', { text: String(i + 1) }),
      el('td', {}, [el('span', { class: 'swatch', style: { background: colourOf(d.classId) }, 'aria-hidden': 'true' }), d.label]),
      el('td', { text: d.score.toFixed(3) }),
      ...d.bbox.map((v) => el('td', { text: v.toFixed(1) })),
    ]),
  );
  if (rows.length === 0) {
    const why = !state.result ? 'No results yet.' : state.result.detections.length ? `No detection scores ${threshold().toFixed(2)} or more; lower the threshold to see weaker ones.` : 'No lesion found, even at the lowest threshold.';
    rows.push(el('tr', { class: 'empty' }, [el('td', { colspan: '7', text: why })]));
  }
  els.tbody.replaceChildren(...rows);

  const name = state.file ? state.file.name || 'pasted image' : '';
  if (!state.image) {
    els.caption.textContent = state.file ? name : 'Choose an image to begin.';
    els.canvas.setAttribute('aria-label', state.file ? `${name} (cannot be shown)` : 'No image chosen yet');
  } else if (!state.result) {
    els.caption.textContent = `${name} · ${state.image.naturalWidth} × ${state.image.naturalHeight} · not analysed yet`;
    els.canvas.setAttribute('aria-label', `${name}, not analysed yet`);
  } else {
    const counts = {};
    for (const d of dets) counts[d.label] = (counts[d.label] || 0) + 1;
    const list = Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ') || 'none';
    const text = `${name} · ${dets.length} detection${dets.length === 1 ? '' : 's'} at threshold ${threshold().toFixed(2)} (${list})`;
    els.caption.textContent = text;
    els.canvas.setAttribute('aria-label', `${text}: ${dets.map((d) => `${d.label} ${d.score.toFixed(2)}`).join('; ')}`);
    setStatus(`Done in ${Math.round(state.result.timing.totalMs)} ms: ${dets.length} of ${state.result.detections.length} detections shown at threshold ${threshold().toFixed(2)}.`);
  }
  els.downloadPng.disabled = !(state.image && state.result);
  els.downloadJson.disabled = !state.result;
}

els.threshold.addEventListener('input', render);

// ---- downloads -----------------------------------------------------------------------------------

function download(blob, name) {
  const a = el('a', { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

els.downloadPng.addEventListener('click', () => {
  els.canvas.toBlob((blob) => blob && download(blob, `${baseName(state.file && state.file.name)}-annotated.png`), 'image/png');
});
els.downloadJson.addEventListener('click', () => {
  const r = state.result;
  const out = { file: state.file ? state.file.name : undefined, ...r, threshold: threshold(), detections: visible() };
  download(new Blob([`${JSON.stringify(out, null, 2)}\n`], { type: 'application/json' }), `${baseName(state.file && state.file.name)}-detections.json`);
});

loadModelInfo();
render();
