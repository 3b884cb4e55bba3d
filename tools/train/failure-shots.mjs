// Pictures of failure cases for docs/model-card.md, cut from a `bus-tools eval --report` page in a
// real browser (Debian chromium, playwright-core): the first N cards of each outcome filter.
//
//   node tools/train/failure-shots.mjs report.html docs/images/model-card 4 missed false-positive wrong-class
//
// writes <prefix>-<outcome>.jpg, each N cards (ground truth beside predictions) two to a row, at 3/4
// scale: small enough for a doc page.
import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [report, prefix, n, ...outcomes] = process.argv.slice(2);
if (!report || !prefix || !n || outcomes.length === 0) {
  console.error('usage: node tools/train/failure-shots.mjs REPORT.html OUT_PREFIX N OUTCOME...');
  process.exit(2);
}
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 0.75 });
  await page.goto(pathToFileURL(resolve(report)).href);
  await page.addStyleTag({ content: '.filters{position:static}' }); // the sticky filter bar would cover the cards
  for (const outcome of outcomes) {
    await page.selectOption('#f-error', outcome);
    const shown = await page.evaluate((keep) => {
      const visible = [...document.querySelectorAll('.card')].filter((c) => !c.hidden);
      visible.slice(keep).forEach((c) => (c.hidden = true));
      return Math.min(keep, visible.length);
    }, Number(n));
    const file = `${prefix}-${outcome}.jpg`;
    await page.locator('.gallery').screenshot({ path: file, type: 'jpeg', quality: 70 });
    console.log(`${file}: ${shown} ${outcome} cards`);
  }
} finally {
  await browser.close();
}
