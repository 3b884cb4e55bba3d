/**
 * One self-contained HTML file that shows an evaluation: the COCO metrics, per-class
 * precision–recall curves, the confusion matrix, the malignancy ROC, and a gallery with each image's
 * ground truth next to its predictions, worst first, filterable by class and error type.
 *
 * Everything is inline (charts as SVG, thumbnails as data URIs, a few lines of CSS and JS), so the
 * file opens anywhere, offline, and can be attached to an email or a ticket.
 */
import { isAbsolute, relative } from 'node:path';
import { escapeXml } from '../../escape.js';
import { classColour } from '../../palette.js';
import { COCO_STAT_NAMES } from '../coco.js';
import type { CocoResult, EvalGroundTruth } from '../coco-input.js';
import type { ImageOutcome } from '../confusion.js';
import { COVERAGE_BASIS, imageLevelDefinition, lesionLevelDefinition, type DetectionEvaluation } from '../evaluate.js';
import { prCurvesSpec, renderSvg, rocSpec } from './charts.js';
import { thumbnails, type Thumbnail } from './thumbnails.js';

export interface ReportInput {
  gt: EvalGroundTruth;
  /** Predictions aligned with `gt` (image and category ids). */
  results: readonly CocoResult[];
  evaluation: DetectionEvaluation;
  /** Image id → image file, for thumbnails; images without one get an empty frame. */
  imagePaths?: ReadonlyMap<number, string>;
  title?: string;
  /**
   * Shown at the top: where the ground truth and the predictions came from. Absolute paths are
   * shown relative to `pathsRelativeTo` (else by their base name): the page never holds one.
   */
  sources?: { groundTruth?: string; predictions?: string };
  /** The folder paths in the page are relative to: the report's own folder, typically. */
  pathsRelativeTo?: string;
  /** Longest thumbnail side in pixels (default 320). */
  thumbnailSize?: number;
  /** At most this many images in the gallery, worst first (default 500). */
  maxGalleryImages?: number;
  /** Called after each thumbnail. */
  onProgress?: () => void;
}

const STAT_LABELS: Record<string, string> = {
  AP: 'AP @[.50:.95] all areas, 100 dets',
  AP50: 'AP @ IoU .50',
  AP75: 'AP @ IoU .75',
  APs: 'AP small (< 32²)',
  APm: 'AP medium (32²–96²)',
  APl: 'AP large (> 96²)',
  AR1: 'AR, 1 det per image',
  AR10: 'AR, 10 dets',
  AR100: 'AR, 100 dets',
  ARs: 'AR small',
  ARm: 'AR medium',
  ARl: 'AR large',
};

/** An absolute path as the page shows it: relative to `base` (forward slashes), else its base name. */
function shownPath(p: string, base: string | undefined): string {
  if (!isAbsolute(p)) return p;
  const rel = base === undefined ? p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1) : relative(base, p) || '.';
  return rel.split('\\').join('/');
}

/** Where one tag goes: a rectangle in image pixels. */
export interface TagPlacement {
  x: number;
  y: number;
  w: number;
  h: number;
}

const overlapArea = (a: TagPlacement, b: TagPlacement) =>
  Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));

/**
 * Places the tags of boxes (`bbox` `[x, y, w, h]`, tag `text`) in a `W × H` image so they do not
 * overlap: each tag, in the given order (put the most important first), takes the first free spot
 * of: above its box, inside its top edge, then further up and down one tag height at a time; all
 * kept inside the image. When every spot is taken it takes the least covered one. Text is sized at
 * `font` pixels, about 0.62 em per character.
 *
 * @example placeTags([{ bbox: [10, 40, 50, 50], text: 'benign' }, { bbox: [12, 42, 50, 50], text: 'benign' }], 200, 200, 10)
 * // → [{ x: 10, y: 27, w: 42.2, h: 13 }, { x: 12, y: 42, w: 42.2, h: 13 }]: the second tag moves inside its box
 */
export function placeTags(boxes: readonly { bbox: readonly number[]; text: string }[], W: number, H: number, font: number): TagPlacement[] {
  const placed: TagPlacement[] = [];
  const h = font * 1.3;
  for (const b of boxes) {
    const w = b.text.length * font * 0.62 + font * 0.5;
    const x = Math.max(0, Math.min(b.bbox[0], W - w));
    const y = b.bbox[1];
    const ys = [y - h, y];
    for (let k = 1; k * h <= H; k++) ys.push(y - h - k * h, y + k * h);
    let best: TagPlacement | undefined;
    let bestCover = Infinity;
    for (const cy of ys) {
      if (cy < 0 || cy + h > H) continue;
      const spot = { x, y: cy, w, h };
      const cover = placed.reduce((n, p) => n + overlapArea(spot, p), 0);
      if (cover < bestCover) [best, bestCover] = [spot, cover];
      if (cover === 0) break;
    }
    placed.push(best ?? { x, y: Math.max(0, Math.min(y, H - h)), w, h });
  }
  return placed;
}

const fmt = (v: number | null, digits = 3) => (v === null ? 'n/a' : v === -1 ? '–' : v.toFixed(digits));

interface GalleryItem {
  id: number;
  fileName: string;
  imageClass: string;
  errors: string[];
  severity: number;
  width: number;
  height: number;
  gtBoxes: { bbox: readonly number[]; name: string; colour: string; crowd: boolean; missed: boolean }[];
  predBoxes: { bbox: readonly number[]; name: string; colour: string; score: number; kind: 'hit' | 'wrong' | 'fp' }[];
}

function galleryItems(input: ReportInput, thumbs: Map<number, Thumbnail>): GalleryItem[] {
  const { gt, results, evaluation } = input;
  const cats = new Map(gt.categories.map((c) => [c.id, { name: c.name, colour: classColour(c.id) }]));
  const malignant = evaluation.malignancy.malignantCategoryId;
  const annsByImage = new Map<number, number[]>();
  gt.annotations.forEach((a, i) => {
    const list = annsByImage.get(a.image_id);
    if (list) list.push(i);
    else annsByImage.set(a.image_id, [i]);
  });
  const outcomes = new Map<number, ImageOutcome>(evaluation.confusion.images.map((o) => [o.imageId, o]));
  return gt.images.map((im) => {
    const o = outcomes.get(im.id)!;
    const anns = annsByImage.get(im.id) ?? [];
    const missed = new Set(o.missed);
    const fps = new Set(o.falsePositives);
    const matchedDet = new Map(o.matches.map((m) => [m.det, m.gt]));
    const catIds = new Set(anns.map((a) => gt.annotations[a].category_id));
    const imageClass = catIds.has(malignant) ? (cats.get(malignant)?.name ?? 'malignant') : anns.length ? (cats.get(gt.annotations[anns[0]].category_id)?.name ?? 'other') : 'normal';
    const errors: string[] = [];
    if (o.missed.length) errors.push('missed');
    if (o.falsePositives.length) errors.push('false-positive');
    if (o.wrongClass) errors.push('wrong-class');
    const missedMalignant = o.missed.filter((g) => gt.annotations[g].category_id === malignant).length;
    const wrongMalignant = o.matches.filter((m) => gt.annotations[m.gt].category_id === malignant && results[m.det].category_id !== malignant).length;
    const severity = 8 * missedMalignant + 6 * wrongMalignant + 3 * (o.missed.length - missedMalignant) + 2 * (o.wrongClass - wrongMalignant) + o.falsePositives.length;
    const thumb = thumbs.get(im.id);
    let width = im.width || thumb?.width || 0;
    let height = im.height || thumb?.height || 0;
    const preds = [...o.matches.map((m) => m.det), ...o.falsePositives].sort((a, b) => results[b].score - results[a].score);
    if (!width || !height) {
      // no size anywhere: frame the boxes
      for (const b of [...anns.map((a) => gt.annotations[a].bbox), ...preds.map((d) => results[d].bbox)]) {
        width = Math.max(width, b[0] + b[2]);
        height = Math.max(height, b[1] + b[3]);
      }
      width ||= 100;
      height ||= 100;
    }
    return {
      id: im.id,
      fileName: im.file_name ?? `image ${im.id}`,
      imageClass,
      errors,
      severity,
      width,
      height,
      gtBoxes: anns.map((a) => {
        const ann = gt.annotations[a];
        const c = cats.get(ann.category_id) ?? { name: String(ann.category_id), colour: '#616161' };
        return { bbox: ann.bbox, name: c.name, colour: c.colour, crowd: Boolean(ann.iscrowd), missed: missed.has(a) };
      }),
      predBoxes: preds.map((d) => {
        const r = results[d];
        const c = cats.get(r.category_id) ?? { name: String(r.category_id), colour: '#616161' };
        const g = matchedDet.get(d);
        const kind = fps.has(d) ? 'fp' : g !== undefined && gt.annotations[g].category_id !== r.category_id ? 'wrong' : 'hit';
        return { bbox: r.bbox, name: c.name, colour: c.colour, score: r.score, kind };
      }),
    };
  });
}

function boxesSvg(item: GalleryItem, which: 'gt' | 'pred'): string {
  const { width: W, height: H } = item;
  const font = Math.max(10, Math.round(Math.max(W, H) / 28));
  const boxes =
    which === 'gt'
      ? item.gtBoxes.map((b) => ({ bbox: b.bbox, colour: b.colour, dash: b.crowd ? '2 3' : '', text: `${b.name}${b.crowd ? ' (crowd)' : ''}${b.missed ? ' · missed' : ''}` }))
      : item.predBoxes.map((b) => ({
          bbox: b.bbox,
          colour: b.colour,
          dash: b.kind === 'fp' ? '6 4' : '',
          text: `${b.name} ${b.score.toFixed(2)}${b.kind === 'fp' ? ' · FP' : b.kind === 'wrong' ? ' · wrong class' : ''}`,
        }));
  // boxes first, then their tags (placed so they do not overlap; dark text on the bright class colour)
  const parts = boxes.map(({ bbox: [x, y, w, h], colour, dash }) => `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="${colour}" stroke-width="2.5" vector-effect="non-scaling-stroke"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
  placeTags(boxes, W, H, font).forEach((t, i) => {
    parts.push(`<rect class="tag" x="${t.x}" y="${t.y}" width="${t.w}" height="${t.h}" fill="${boxes[i].colour}" fill-opacity="0.85"/>`);
    parts.push(`<text x="${t.x + font * 0.25}" y="${t.y + font * 1.02}" font-size="${font}" fill="#000">${escapeXml(boxes[i].text)}</text>`);
  });
  return `<svg class="boxes" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" aria-hidden="true">${parts.join('')}</svg>`;
}

function galleryHtml(items: GalleryItem[], thumbs: Map<number, Thumbnail>, limit: number, scoreThreshold: number): { html: string; css: string; shown: number } {
  const sorted = [...items].sort((a, b) => b.severity - a.severity || a.fileName.localeCompare(b.fileName, undefined, { numeric: true }));
  const shown = sorted.slice(0, limit);
  const css: string[] = [];
  const cards = shown.map((it) => {
    const thumb = thumbs.get(it.id);
    if (thumb) css.push(`.t${it.id}{background-image:url(${thumb.dataUri})}`);
    const frame = (which: 'gt' | 'pred') =>
      `<div class="frame${thumb ? ` t${it.id}` : ' blank'}" style="aspect-ratio:${it.width}/${it.height}">${boxesSvg(it, which)}</div>`;
    const badges = it.errors.length ? it.errors.map((e) => `<span class="badge ${e}">${e.replace('-', ' ')}</span>`).join('') : '<span class="badge ok">correct</span>';
    return (
      `<figure class="card" data-class="${escapeXml(it.imageClass)}" data-errors="${it.errors.join(' ')}">` +
      `<figcaption><b>${escapeXml(it.fileName)}</b> <span class="cls">${escapeXml(it.imageClass)}</span> ${badges}</figcaption>` +
      `<div class="pair"><div><div class="cap">ground truth (${it.gtBoxes.length})</div>${frame('gt')}</div>` +
      `<div><div class="cap">predictions ≥ ${scoreThreshold} (${it.predBoxes.length})</div>${frame('pred')}</div></div></figure>`
    );
  });
  return { html: cards.join('\n'), css: css.join('\n'), shown: shown.length };
}

function confusionHtml(ev: DetectionEvaluation): string {
  const cm = ev.confusion;
  const K = cm.categories.length;
  const head = `<tr><th>lesion ↓ · detected →</th>${cm.columnLabels.map((l) => `<th>${escapeXml(l)}</th>`).join('')}</tr>`;
  const rows = cm.matrix.map((row, i) => {
    // shade by the share of the row (a rate), not the count: 1 of 2 malignant lesions missed is
    // worse than 10 of 300 benign ones
    const total = row.reduce((a, b) => a + b, 0);
    const cells = row.map((v, j) => {
      if (i === K && j === K) return '<td class="na">–</td>';
      const good = i === j && i < K;
      const rate = total ? v / total : 0;
      const alpha = (0.12 + 0.75 * rate).toFixed(2);
      const bg = v === 0 ? 'transparent' : good ? `rgba(46,125,50,${alpha})` : `rgba(198,40,40,${alpha})`;
      return `<td style="background:${bg}" title="${(100 * rate).toFixed(1)} % of the row">${v}</td>`;
    });
    return `<tr><th>${escapeXml(cm.rowLabels[i])}</th>${cells.join('')}</tr>`;
  });
  return (
    `<p class="def"><b>Lesion level</b>: ${escapeXml(lesionLevelDefinition(cm))}.</p>` +
    `<table class="cm">${head}${rows.join('')}</table><p class="note">Boxes match at IoU ≥ ${cm.iouThreshold} regardless of class (greedy by IoU, each box used once); only detections with score ≥ ${cm.scoreThreshold} count. Diagonal: right class; off-diagonal: lesion found with the wrong class; “missed”: no detection; “false positive”: a detection on no lesion. Cells are shaded by their share of the row; the number is the count.</p>`
  );
}

/** How much of the ground truth was predicted on; a warning when not all of it. */
function coverageHtml(ev: DetectionEvaluation): string {
  const c = ev.coverage;
  const limited = c.scoredImages < c.groundTruthImages ? ` Only those ${c.scoredImages} were scored.` : '';
  const partial = c.predictedImages < c.scoredImages;
  const text =
    `Predictions on <b>${c.predictedImages} of ${c.groundTruthImages}</b> ground-truth images (counted: ${escapeXml(COVERAGE_BASIS[c.basis])}).${limited}` +
    (partial
      ? ` The other ${c.scoredImages - c.predictedImages} are scored as images where nothing was found: every lesion on them counts as missed. If the predictions were made on part of the images only, limit the ground truth (<code>--split manifest.csv --part test</code> or <code>--only-predicted</code>).`
      : '');
  return `<p class="coverage${partial ? ' partial' : ''}" id="coverage">${text}</p>`;
}

function metricsHtml(ev: DetectionEvaluation): string {
  const s = ev.coco.stats;
  const stats = COCO_STAT_NAMES.map((n) => `<tr><th>${n}</th><td>${fmt(s[n])}</td><td class="desc">${STAT_LABELS[n]}</td></tr>`).join('');
  const lesions = ev.coco.perCategory.reduce((n, c) => n + c.numGt, 0);
  const cats =
    ev.coco.perCategory.map((c) => `<tr><th>${escapeXml(c.name)}</th><td>${c.numGt}</td><td>${fmt(c.AP)}</td><td>${fmt(c.AP50)}</td></tr>`).join('') +
    (ev.lesion ? `<tr><th>lesion <span class="desc">(class-agnostic)</span></th><td>${lesions}</td><td>${fmt(ev.lesion.AP)}</td><td>${fmt(ev.lesion.AP50)}</td></tr>` : '');
  const m = ev.malignancy;
  return (
    `<div class="tables"><table class="metrics"><tr><th colspan="3">COCO bbox (pycocotools rules)</th></tr>${stats}</table>` +
    `<div><table class="metrics"><tr><th>class</th><th>lesions</th><th>AP</th><th>AP50</th></tr>${cats}</table>` +
    `<table class="metrics mal"><tr><th colspan="2">Image level: flagged malignant (a malignant box scoring ≥ ${m.threshold} anywhere in the image)</th></tr>` +
    `<tr><th>sensitivity</th><td>${fmt(m.sensitivity)} <span class="desc">(${m.truePositives} of ${m.positives} flagged)</span></td></tr>` +
    `<tr><th>specificity</th><td>${fmt(m.specificity)} <span class="desc">(${m.trueNegatives} of ${m.negatives} not flagged)</span></td></tr>` +
    `<tr><th>ROC AUC</th><td>${fmt(m.auc)}</td></tr></table>` +
    `<p class="def"><b>Image level</b>: ${escapeXml(imageLevelDefinition(m))}. The lesion-level confusion matrix below counts only lesions a box overlaps, so the two can differ.</p></div></div>`
  );
}

const CSS = `
*{box-sizing:border-box}body{font:14px/1.45 "DejaVu Sans",Helvetica,Arial,sans-serif;margin:0;color:#212121;background:#fafafa}
header{background:#263238;color:#fff;padding:14px 24px}header h1{font-size:19px;margin:0 0 4px}header p{margin:0;color:#cfd8dc;font-size:12px}
main{padding:8px 24px 40px;max-width:1500px}h2{font-size:16px;margin:26px 0 10px;border-bottom:1px solid #ddd;padding-bottom:4px}
.tables{display:flex;gap:28px;flex-wrap:wrap;align-items:flex-start}table{border-collapse:collapse;background:#fff}
.metrics th,.metrics td,.cm th,.cm td{border:1px solid #e0e0e0;padding:4px 10px;text-align:right}.metrics th{text-align:left}
.metrics td.desc,.desc{color:#757575;text-align:left;font-size:12px}.mal{margin-top:14px}
.cm td{min-width:86px;font-variant-numeric:tabular-nums;font-size:15px}.cm td.na{color:#bdbdbd}
.charts{display:flex;gap:24px;flex-wrap:wrap}.chart{background:#fff;border:1px solid #e0e0e0;padding:6px}
.note{color:#616161;font-size:12px;max-width:900px}.def{font-size:13px;max-width:900px;margin:8px 0}
.coverage{margin:12px 0 0;padding:8px 12px;border-radius:4px;background:#e8f5e9;max-width:1100px}.coverage.partial{background:#fff3e0;border:1px solid #ef6c00}
.filters{display:flex;gap:16px;align-items:center;margin:6px 0 14px;position:sticky;top:0;background:#fafafa;padding:8px 0;z-index:2}
.filters select{font:inherit;padding:2px 6px}#f-count{color:#616161}
.gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(540px,1fr));gap:16px}
.card{margin:0;background:#fff;border:1px solid #e0e0e0;border-radius:6px;padding:10px}.card[hidden]{display:none}
figcaption{margin-bottom:8px;font-size:13px;overflow-wrap:anywhere}.cls{color:#616161;margin:0 6px}
.badge{display:inline-block;font-size:11px;border-radius:9px;padding:1px 8px;margin-right:4px;color:#fff;background:#757575}
.badge.missed{background:#c62828}.badge.false-positive{background:#ef6c00}.badge.wrong-class{background:#6a1b9a}.badge.ok{background:#2e7d32}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:8px}.cap{font-size:11px;color:#616161;margin-bottom:2px}
.frame{position:relative;width:100%;background:#111 center/100% 100% no-repeat;border-radius:3px;overflow:hidden}.frame.blank{background:#424242}
.frame svg{position:absolute;inset:0;width:100%;height:100%}
`;

const SCRIPT = `
(function(){
  var cls=document.getElementById('f-class'),err=document.getElementById('f-error'),count=document.getElementById('f-count');
  var cards=Array.prototype.slice.call(document.querySelectorAll('.card'));
  function apply(){
    var n=0;
    cards.forEach(function(c){
      var e=c.getAttribute('data-errors');
      var ok=(cls.value==='all'||c.getAttribute('data-class')===cls.value)&&
        (err.value==='all'||(err.value==='correct'?e==='':err.value==='any'?e!=='':(' '+e+' ').indexOf(' '+err.value+' ')>=0));
      c.hidden=!ok; if(ok) n++;
    });
    count.textContent=n+' of '+cards.length+' shown';
  }
  cls.addEventListener('change',apply);err.addEventListener('change',apply);apply();
})();
`;

/**
 * Renders the evaluation report (see the module comment) to an HTML string.
 *
 * @example
 * const ev = evaluateDetections(gt, results);
 * writeFileSync('report.html', await renderEvaluationReport({ gt, results, evaluation: ev, imagePaths }));
 */
export async function renderEvaluationReport(input: ReportInput): Promise<string> {
  const ev = input.evaluation;
  const limit = input.maxGalleryImages ?? 500;
  // thumbnails only for the images the gallery will show
  const itemsNoThumbs = galleryItems(input, new Map());
  const shownIds = new Set([...itemsNoThumbs].sort((a, b) => b.severity - a.severity || a.fileName.localeCompare(b.fileName, undefined, { numeric: true })).slice(0, limit).map((i) => i.id));
  const paths = new Map([...(input.imagePaths ?? new Map<number, string>())].filter(([id]) => shownIds.has(id)));
  const { thumbs, notes } = await thumbnails(paths, input.thumbnailSize ?? 320, input.onProgress);
  const items = galleryItems(input, thumbs);
  const gallery = galleryHtml(items, thumbs, limit, ev.confusion.scoreThreshold);

  const prSpec = prCurvesSpec(ev.coco);
  const roc = rocSpec(ev.malignancy);
  const [prSvg, rocSvg] = await Promise.all([prSpec ? renderSvg(prSpec) : null, roc ? renderSvg(roc) : null]);
  const charts = [
    prSvg ? `<div class="chart" id="chart-pr">${prSvg}</div>` : '<p class="note">No precision–recall curve: no class has ground truth.</p>',
    rocSvg ? `<div class="chart" id="chart-roc">${rocSvg}</div>` : '<p class="note">No ROC curve: it needs images with and without a malignant lesion.</p>',
  ].join('');

  const classes = [...new Set(items.map((i) => i.imageClass))].sort();
  const title = input.title ?? 'bus-tools evaluation';
  const src = input.sources ?? {};
  const counts = `${input.gt.images.length} images · ${input.gt.annotations.length} lesions · ${input.results.length} detections`;
  const base = input.pathsRelativeTo;
  const sub = [src.groundTruth && `ground truth: ${shownPath(src.groundTruth, base)}`, src.predictions && `predictions: ${shownPath(src.predictions, base)}`, counts].filter(Boolean).map((s) => escapeXml(String(s))).join(' &nbsp;·&nbsp; ');
  const truncated = gallery.shown < items.length ? ` The ${gallery.shown} worst of ${items.length} images are shown.` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeXml(title)}</title>
<style>${CSS}
${gallery.css}</style></head>
<body><header><h1>${escapeXml(title)}</h1><p>${sub}</p></header><main>
${coverageHtml(ev)}
<h2>Metrics</h2>${metricsHtml(ev)}
<h2>Curves</h2><div class="charts">${charts}</div>
<h2>Confusion matrix</h2>${confusionHtml(ev)}
<h2>Images</h2>
<p class="note">Worst first: missed malignant lesions, then malignant lesions called benign, other misses, class errors and false positives. Left: ground truth (dotted: crowd). Right: detections with score ≥ ${ev.confusion.scoreThreshold} (dashed: false positive).${truncated}${notes.length ? ` ${notes.length} thumbnails could not be made: ${escapeXml(notes.slice(0, 3).map((n) => n.replace(/^(.*?): no thumbnail/, (_, p: string) => `${shownPath(p, base)}: no thumbnail`)).join('; '))}` : ''}</p>
<div class="filters"><label>class <select id="f-class"><option value="all">all</option>${classes.map((c) => `<option value="${escapeXml(c)}">${escapeXml(c)}</option>`).join('')}</select></label>
<label>outcome <select id="f-error"><option value="all">all</option><option value="any">any error</option><option value="missed">missed lesion</option><option value="false-positive">false positive</option><option value="wrong-class">wrong class</option><option value="correct">correct</option></select></label>
<span id="f-count"></span></div>
<div class="gallery">
${gallery.html}
</div></main>
<script>${SCRIPT}</script>
</body></html>
`;
}
