/**
 * The `serve` page in a real headless browser (Debian's `chromium`, driven by playwright-core): a
 * scan is chosen with the file input, "Detect breast cancer" draws boxes and fills the table, the
 * threshold slider (moved with the keyboard) re-filters without asking the server again, the
 * downloads hold what is shown, the file input is the first thing Tab reaches, a phone-sized screen
 * needs no sideways scrolling, nothing outside the server is fetched and nothing is logged as an error.
 *
 * Screenshots go to test-artifacts/; `BUS_TOOLS_UPDATE_DOCS=1` (or a missing file) also writes the
 * README's docs/images/serve.png, the bundled model on the sample's malignant (1).png (a tracked
 * file, so an ordinary test run leaves it alone).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pw, { type Browser } from 'playwright-core';
import sharp from 'sharp';
import { createDetectServer, type DetectServer } from '@bus-tools/infer';
import { CHROMIUM, MODELS, SAMPLE_BUSI, describeWithChromium } from '../../../fixtures/index.js';

const REPO = resolve(fileURLToPath(import.meta.url), '../../../..');
const ARTIFACTS = join(REPO, 'test-artifacts');
const DOCS_SHOT = join(REPO, 'docs', 'images', 'serve.png');
const SCAN = join(SAMPLE_BUSI, 'malignant', 'malignant (1).png');

describeWithChromium('the serve page in headless Chromium', () => {
  let server: DetectServer;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    server = await createDetectServer({ model: join(MODELS, 'retinanet-tfod.onnx'), port: 0, device: 'cpu', threshold: 0.5 });
    url = await server.listen();
    browser = await pw.chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('upload, detect, boxes and table, slider, downloads; offline, no errors', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(url, { waitUntil: 'load' });

    // model information and the legend come from /api/model; the statement is on the page
    await page.locator('#model-info').getByText('retinanet-tfod.onnx').waitFor();
    expect(await page.locator('#model-info').innerText()).toMatch(/Layout\s+tfod[\s\S]*Input size\s+320 × 320[\s\S]*Device\s+cpu/);
    expect(await page.locator('.notice').innerText()).toContain('A research tool, not a diagnosis.');
    expect(await page.locator('#legend li').allInnerTexts()).toEqual(['benign', 'malignant']);
    const swatches = await page.locator('#legend .swatch').evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
    expect(swatches).toEqual(['rgb(0, 229, 255)', 'rgb(255, 61, 242)']); // draw.ts: #00e5ff, #ff3df2

    // keyboard: the file input is the first stop
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('file');

    await page.setInputFiles('#file', SCAN);
    const detect = page.getByRole('button', { name: 'Detect breast cancer' });
    await expect(detect.isEnabled()).resolves.toBe(true);
    const answered = page.waitForResponse((r) => r.url().includes('/api/detect'));
    await detect.click();
    expect((await answered).status()).toBe(200);

    const rows = page.locator('#detections tbody tr:not(.empty)');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    expect(await rows.first().locator('td').allInnerTexts()).toEqual(['1', 'malignant', expect.stringMatching(/^0\.8\d\d$/), expect.any(String), expect.any(String), expect.any(String), expect.any(String)]);
    expect(await page.locator('#model-info').innerText()).toMatch(/Time taken\s+\d+ ms \(model \d+ ms/);

    // the box is on the canvas, in the malignant colour
    const magenta = () =>
      page.locator('#canvas').evaluate((c: HTMLCanvasElement) => {
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] === 255 && d[i + 1] === 61 && d[i + 2] === 242) n++;
        return n;
      });
    expect(await magenta()).toBeGreaterThan(200);

    // the slider, from the keyboard, down to the floor: more rows, and no new request
    const detectCalls = requests.filter((u) => u.includes('/api/detect')).length;
    await page.focus('#threshold');
    await page.keyboard.press('Home');
    expect(await page.locator('#threshold-value').innerText()).toBe('0.05');
    const low = await rows.count();
    expect(low).toBeGreaterThan(1);
    const scores = (await rows.locator('td:nth-child(3)').allInnerTexts()).map(Number);
    expect(Math.min(...scores)).toBeGreaterThanOrEqual(0.05);
    await page.keyboard.press('End');
    expect(await page.locator('#detections tbody tr.empty').innerText()).toMatch(/^No detection scores 1\.00 or more/);
    expect(await magenta()).toBe(0);
    expect(requests.filter((u) => u.includes('/api/detect')).length).toBe(detectCalls);

    // back to 0.50: one box again
    await page.locator('#threshold').evaluate((el: HTMLInputElement) => {
      el.value = '0.5';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect(await rows.count()).toBe(1);
    expect(await page.locator('#caption').innerText()).toBe('malignant (1).png · 1 detection at threshold 0.50 (1 malignant)');

    // downloads: what is shown
    const [json] = await Promise.all([page.waitForEvent('download'), page.click('#download-json')]);
    expect(json.suggestedFilename()).toBe('malignant (1)-detections.json');
    const saved = JSON.parse(readFileSync((await json.path())!, 'utf8'));
    expect(saved).toMatchObject({ file: 'malignant (1).png', model: 'retinanet-tfod.onnx', threshold: 0.5, width: 310, height: 240 });
    expect(saved.detections).toHaveLength(1);
    const [png] = await Promise.all([page.waitForEvent('download'), page.click('#download-png')]);
    expect(png.suggestedFilename()).toBe('malignant (1)-annotated.png');
    expect(readFileSync((await png.path())!).subarray(1, 4).toString('latin1')).toBe('PNG');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'serve.png'), fullPage: true });

    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith(url) && !u.startsWith('blob:') && !u.startsWith('data:'))).toEqual([]);
    await page.close();
  });

  test('the bundled BUSI model finds the sample lesion (the README screenshot)', async () => {
    const bundled = await createDetectServer({ port: 0, device: 'cpu', threshold: 0.5 });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
      await page.goto(await bundled.listen(), { waitUntil: 'load' });
      await page.locator('#model-info').getByText('busi-retinanet.onnx').waitFor();
      await page.setInputFiles('#file', SCAN);
      await page.getByRole('button', { name: 'Detect breast cancer' }).click();
      await page.locator('#caption').getByText(/malignant \(1\)\.png · [1-9]\d* detections? at threshold 0\.50/).waitFor();
      expect(await page.locator('#detections tbody tr').count()).toBeGreaterThan(0);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'serve-bundled.png'), fullPage: true });
      if (process.env.BUS_TOOLS_UPDATE_DOCS === '1' || !existsSync(DOCS_SHOT)) {
        mkdirSync(dirname(DOCS_SHOT), { recursive: true });
        // A palette PNG: a third of the size, and the README's image need not be lossless.
        await sharp(await page.screenshot({ fullPage: true })).png({ palette: true, quality: 80, compressionLevel: 9 }).toFile(DOCS_SHOT);
      }
      await page.close();
    } finally {
      await bundled.close();
    }
  });

  test('a phone-sized screen: one column, no sideways scrolling; a bad file gets the server\'s message', async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 740 }, isMobile: true });
    await page.goto(url, { waitUntil: 'load' });
    await page.locator('#model-info').getByText('retinanet-tfod.onnx').waitFor();
    await page.setInputFiles('#file', { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not really a png') });
    await page.getByRole('button', { name: 'Detect breast cancer' }).click();
    await page.locator('#status.error').getByText('not a PNG or JPEG').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    const [input, result] = await Promise.all([page.locator('.input').boundingBox(), page.locator('.result').boundingBox()]);
    expect(result!.y).toBeGreaterThan(input!.y + input!.height - 1); // stacked
    await page.screenshot({ path: join(ARTIFACTS, 'serve-narrow.png'), fullPage: true });
    await page.close();
  });
});
