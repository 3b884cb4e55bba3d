import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { naturalCompare, walkFiles, type WalkOptions } from '@bus-tools/core';

let root: string;
beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'bus-walk-')));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const touch = (...paths: string[]) => {
  for (const p of paths) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), '');
  }
};
const walk = (dir = root, options: WalkOptions = {}) => walkFiles(dir, options).sort((a, b) => naturalCompare(a.relPath, b.relPath));
const rels = (dir = root, options: WalkOptions = {}) => walk(dir, options).map((f) => f.relPath);

describe('walkFiles', () => {
  test('lists files in natural order of their paths, folder by folder, whatever the names', () => {
    // Names starting with a digit next to names starting with "(" or " " (which sort below digits),
    // a folder "a" beside "a-b" and "a1.png": the folder-by-folder walk must give the order of the
    // whole paths, as if every path were collected and sorted.
    const part = fc.array(fc.constantFrom('a', 'b', '1', '2', '10', '(', ' ', '-', '0'), { minLength: 1, maxLength: 4 }).map((p) => p.join(''));
    const tree = fc.uniqueArray(fc.array(part, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 25, selector: (p) => p.join('/') });
    fc.assert(
      fc.property(tree, (paths) => {
        rmSync(root, { recursive: true, force: true });
        mkdirSync(root);
        const files: string[] = [];
        for (const segments of paths) {
          const file = `${segments.join('/')}.png`;
          // a file name that is also a folder's name would need the folder to be a file too
          if (files.some((f) => f.startsWith(`${file}/`) || file.startsWith(`${f}/`))) continue;
          try {
            touch(file);
            files.push(file);
          } catch {
            // a folder of that name already holds files: skip this one
          }
        }
        expect(walkFiles(root).map((f) => f.relPath)).toEqual([...files].sort(naturalCompare));
      }),
      { numRuns: 60 },
    );
  });

  test('every file, hidden names skipped, path and real path set', () => {
    touch('b/x (10).png', 'b/x (2).png', 'a.png', '.hidden.png', '.git/config');
    expect(rels()).toEqual(['a.png', 'b/x (2).png', 'b/x (10).png']);
    const [a] = walk();
    expect(a).toEqual({ path: join(root, 'a.png'), relPath: 'a.png', realPath: join(root, 'a.png') });
  });

  test('a link back up the tree (ln -s .. loop) adds nothing and ends', () => {
    touch('benign/b (1).png', 'malignant/m (1).png');
    symlinkSync('..', join(root, 'benign/loop'));
    symlinkSync('..', join(root, 'malignant/loop'));
    symlinkSync('.', join(root, 'self'));
    expect(rels()).toEqual(['benign/b (1).png', 'malignant/m (1).png']);
  });

  test('a file reached by several paths is listed once, under the path through the fewest links', () => {
    touch('scans/s (1).png', 'zz/z.png');
    symlinkSync(join(root, 'scans'), join(root, 'a-link')); // sorts first, but is a link
    symlinkSync(join(root, 'scans/s (1).png'), join(root, 'copy.png'));
    symlinkSync(join(root, 'zz'), join(root, 'scans/deeper'));
    const files = walk();
    expect(files.map((f) => f.relPath)).toEqual(['scans/s (1).png', 'zz/z.png']);
    expect(new Set(files.map((f) => f.realPath)).size).toBe(files.length);
  });

  test('a folder kept elsewhere is walked through its link, a loop from there back ends', () => {
    const store = realpathSync(mkdtempSync(join(tmpdir(), 'bus-store-')));
    try {
      mkdirSync(join(store, 'scans'));
      writeFileSync(join(store, 'scans/s (1).png'), '');
      symlinkSync(root, join(store, 'scans/back'));
      symlinkSync(join(store, 'scans'), join(root, 'malignant'));
      symlinkSync(join(store, 'scans'), join(root, 'also')); // two links to one folder: the first in natural order
      touch('benign/b (1).png');
      const files = walk();
      expect(files.map((f) => [f.relPath, f.realPath])).toEqual([
        ['also/s (1).png', join(store, 'scans/s (1).png')],
        ['benign/b (1).png', join(root, 'benign/b (1).png')],
      ]);
      expect(files[0].path).toBe(join(root, 'also/s (1).png'));
    } finally {
      rmSync(store, { recursive: true, force: true });
    }
  });

  test('many loops in many folders: no blow-up, each file once', () => {
    for (let i = 0; i < 12; i++) {
      touch(`d${i}/f.png`);
      symlinkSync('..', join(root, `d${i}/up`));
      symlinkSync(`../d${(i + 1) % 12}`, join(root, `d${i}/next`));
    }
    const t0 = performance.now();
    expect(rels()).toHaveLength(12);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  test('broken links and links that loop on themselves are skipped', () => {
    touch('a.png');
    symlinkSync(join(root, 'gone.png'), join(root, 'broken.png'));
    symlinkSync(join(root, 'l2'), join(root, 'l1'));
    symlinkSync(join(root, 'l1'), join(root, 'l2'));
    expect(rels()).toEqual(['a.png']);
  });

  test('maxDepth limits the folder levels looked into', () => {
    touch('a.png', 'x/b.png', 'x/y/c.png');
    symlinkSync(join(root, 'x/y'), join(root, 'ylink'));
    expect(rels(root, { maxDepth: 1 })).toEqual(['a.png']);
    expect(rels(root, { maxDepth: 2 })).toEqual(['a.png', 'x/b.png', 'ylink/c.png']);
    expect(rels(root, { maxDepth: 3 })).toEqual(['a.png', 'x/b.png', 'x/y/c.png']);
  });

  test('a root that does not exist throws the fs error', () => {
    expect(() => walkFiles(join(root, 'nope'))).toThrow(/ENOENT/);
  });
});
