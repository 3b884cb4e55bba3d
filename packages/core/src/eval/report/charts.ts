/**
 * The report's charts: Vega-Lite specs compiled and rendered to SVG strings in Node (vega's
 * `View#toSVG()` with the headless renderer: no canvas, no browser, no network).
 */
import { classColour } from '../../palette.js';
import type { CocoEvaluation } from '../coco.js';
import { prCurve } from '../coco.js';
import type { MalignancyMetrics } from '../malignancy.js';

type Spec = Record<string, unknown>;

const CONFIG = {
  font: 'DejaVu Sans, Helvetica, Arial, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 13, anchor: 'start' },
  view: { stroke: '#cccccc' },
};

let libraries: Promise<[typeof import('vega'), typeof import('vega-lite')]> | undefined;
/**
 * vega and vega-lite, imported on first use (they are large; `bus-tools --help` must not pay for
 * them). One after the other: jest's ESM loader fails on two overlapping graphs loading at once.
 */
function loadVega() {
  libraries ??= (async () => {
    const vega = await import('vega');
    const vl = await import('vega-lite');
    return [vega, vl] as [typeof import('vega'), typeof import('vega-lite')];
  })();
  return libraries;
}

/** Compiles a Vega-Lite spec and renders it to an SVG string. */
export async function renderSvg(spec: Spec): Promise<string> {
  const [vega, vl] = await loadVega();
  const compiled = vl.compile({ config: CONFIG, ...spec } as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Precision–recall curves per class (COCOeval's 101-point curves) at IoU 0.50 and 0.75. */
export function prCurvesSpec(coco: CocoEvaluation): Spec | null {
  const values: { recall: number; precision: number; class: string; iou: string }[] = [];
  const domain: string[] = [];
  const range: string[] = [];
  coco.perCategory.forEach((c) => {
    let any = false;
    for (const iou of [0.5, 0.75]) {
      const curve = prCurve(coco, c.categoryId, { iouThr: iou });
      if (!curve) continue;
      any = true;
      curve.recall.forEach((r, i) => values.push({ recall: r, precision: curve.precision[i], class: c.name, iou: `IoU ${iou.toFixed(2)}` }));
    }
    if (any) {
      domain.push(c.name);
      range.push(classColour(c.categoryId));
    }
  });
  if (values.length === 0) return null;
  return {
    title: 'Precision–recall per class (COCO, 101 recall points, area all, 100 detections)',
    width: 380,
    height: 260,
    data: { values },
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
    encoding: {
      x: { field: 'recall', type: 'quantitative', title: 'recall', scale: { domain: [0, 1] } },
      y: { field: 'precision', type: 'quantitative', title: 'precision', scale: { domain: [0, 1] } },
      color: { field: 'class', type: 'nominal', title: 'class', scale: { domain, range } },
      strokeDash: { field: 'iou', type: 'nominal', title: 'IoU threshold' },
    },
  };
}

/** ROC of the image-level malignancy score, with the chance diagonal and the operating point. */
export function rocSpec(m: MalignancyMetrics): Spec | null {
  if (m.auc === null) return null;
  const curve = m.roc.map((p, i) => ({ fpr: p.fpr, tpr: p.tpr, i }));
  const point = [{ fpr: 1 - (m.specificity ?? 0), tpr: m.sensitivity ?? 0, label: `score ≥ ${m.threshold}` }];
  return {
    title: `Malignant image ROC (max malignant score per image) · AUC ${m.auc.toFixed(3)}`,
    width: 300,
    height: 260,
    layer: [
      { data: { values: [{ fpr: 0, tpr: 0 }, { fpr: 1, tpr: 1 }] }, mark: { type: 'line', color: '#9e9e9e', strokeDash: [4, 4] }, encoding: { x: { field: 'fpr', type: 'quantitative' }, y: { field: 'tpr', type: 'quantitative' } } },
      {
        data: { values: curve },
        mark: { type: 'line', color: classColour(m.malignantCategoryId), strokeWidth: 2, point: { filled: true, size: 24, color: classColour(m.malignantCategoryId) } },
        encoding: {
          x: { field: 'fpr', type: 'quantitative', title: '1 − specificity (false positive rate)', scale: { domain: [0, 1] } },
          y: { field: 'tpr', type: 'quantitative', title: 'sensitivity (true positive rate)', scale: { domain: [0, 1] } },
          order: { field: 'i', type: 'quantitative' },
        },
      },
      {
        data: { values: point },
        mark: { type: 'point', shape: 'diamond', size: 140, filled: true, color: '#212121' },
        encoding: { x: { field: 'fpr', type: 'quantitative' }, y: { field: 'tpr', type: 'quantitative' } },
      },
      {
        data: { values: point },
        mark: { type: 'text', align: 'left', dx: 8, dy: -8, fontSize: 11 },
        encoding: { x: { field: 'fpr', type: 'quantitative' }, y: { field: 'tpr', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  };
}
