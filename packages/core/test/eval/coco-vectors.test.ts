/**
 * pycocotools' own numbers for 40 ground-truth/detection pairs (../shared/eval-vectors, see its
 * README): every statistic and every per-category AP/AP50 must agree to within 1e-9.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateCocoBbox, parseCocoGroundTruth, parseCocoResults, COCO_STAT_NAMES } from '@bus-tools/core';

const REPO = resolve(fileURLToPath(import.meta.url), '../../../../..');
const VECTORS = process.env.EVAL_VECTORS ?? resolve(REPO, '../shared/eval-vectors');
const cases = existsSync(VECTORS) ? readdirSync(VECTORS).filter((d) => d.startsWith('case-')).sort() : [];

interface Expected {
  stats: number[];
  per_category: { category_id: number; name: string; num_gt: number; AP: number; AP50: number }[];
  [name: string]: unknown;
}

const readJson = (dir: string, name: string): unknown => JSON.parse(readFileSync(join(VECTORS, dir, name), 'utf8'));

if (cases.length === 0) {
  // eslint-disable-next-line no-console
  console.warn(`Skipping the pycocotools vectors: ${VECTORS} is absent (set EVAL_VECTORS to point at them).`);
  test.skip('pycocotools vectors (absent)', () => {});
} else {
  describe('evaluateCocoBbox against pycocotools', () => {
    test.each(cases)('%s', (dir) => {
      const gt = parseCocoGroundTruth(readJson(dir, 'gt.json'), 'gt.json');
      const dets = parseCocoResults(readJson(dir, 'dets.json'), 'dets.json');
      const expected = readJson(dir, 'expected.json') as Expected;
      const ev = evaluateCocoBbox(gt, dets);
      COCO_STAT_NAMES.forEach((name, i) => {
        const want = expected[name] as number;
        if (Math.abs(ev.stats[name] - want) > 1e-9) throw new Error(`${dir} ${name}: got ${ev.stats[name]}, pycocotools ${want}`);
        // the array, in COCOeval.stats order, against pycocotools' own `stats` array
        if (Math.abs(ev.statsArray[i] - expected.stats[i]) > 1e-9) throw new Error(`${dir} stats[${i}]: got ${ev.statsArray[i]}, pycocotools ${expected.stats[i]}`);
      });
      expect(ev.perCategory.map((c) => c.categoryId)).toEqual(expected.per_category.map((c) => c.category_id));
      for (const want of expected.per_category) {
        const got = ev.perCategory.find((c) => c.categoryId === want.category_id)!;
        expect(got.name).toBe(want.name);
        expect(got.numGt).toBe(want.num_gt);
        for (const key of ['AP', 'AP50'] as const) {
          if (Math.abs(got[key] - want[key]) > 1e-9) throw new Error(`${dir} category ${want.category_id} ${key}: got ${got[key]}, pycocotools ${want[key]}`);
        }
      }
    });
  });
}
