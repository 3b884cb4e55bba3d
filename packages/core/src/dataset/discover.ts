/**
 * Finds images and their masks in a BUSI-style folder.
 *
 * Two layouts are understood, at any depth below the root:
 * - class folders: `benign/benign (1).png` with `benign/benign (1)_mask.png`, `…_mask_1.png`, …
 *   (the class is the folder name);
 * - one folder of images with masks beside them (the class is the leading word of the file name,
 *   `benign (1).png` → `benign`, else `lesion`).
 * Files are found by the one folder walker (fs/walk.ts): links are followed, each real file is seen
 * once (by the path through the fewest links), hidden names are skipped. An image's masks lie in its
 * folder, so images are paired folder by folder, and `scanDataset` can hand them over one at a time.
 */
import { statSync } from 'node:fs';
import { extname, relative, resolve, sep } from 'node:path';
import { BusToolsError, describeError } from '../errors.js';
import type { Scratch } from '../fs/names.js';
import { planWalk, walkGroups, type FolderFiles, type WalkPlan } from '../fs/walk.js';
import { naturalCompare, naturalSortBy } from '../natural.js';
import { checkArgument, isPath } from '../validate.js';
import type { Problem } from './types.js';

const IMAGE_EXT = /\.(png|jpe?g|bmp|tiff?|webp)$/i;
const MASK_NAME = /^(.*)_mask(?:_(\d+))?$/i;

export interface MaskFile {
  /** Absolute path. */
  path: string;
  /** 0 for `name_mask.png`, N for `name_mask_N.png`. */
  index: number;
}

export interface DatasetImage {
  /** Absolute path of the image. */
  path: string;
  /** Path relative to the dataset root, with `/` separators. */
  relPath: string;
  /** File name, the name Datature matches annotations by. */
  fileName: string;
  /** Class: folder name (`benign`, `malignant`, `normal`) or, flat layout, leading word of the name. */
  label: string;
  /** Masks in index order (`_mask`, `_mask_1`, `_mask_2`, …). */
  masks: MaskFile[];
}

/** What every listing of a dataset has: its root, images, classes and pairing problems. */
export interface DatasetListing {
  root: string;
  /** Images with at least one mask (and `normal` images without one), in natural order of `relPath`. */
  images: Iterable<DatasetImage>;
  /** Class names found, naturally sorted. */
  labels: string[];
  /** Masks without an image, images without masks, two images of one stem. */
  problems: Problem[];
}

/** A dataset listed in full: every image with its masks in memory. */
export interface Dataset extends DatasetListing {
  images: DatasetImage[];
}

/**
 * A dataset listed without keeping its images: `images` walks the folders again each time it is
 * iterated and hands images over one at a time, so memory does not grow with their number.
 */
export interface DatasetScan extends DatasetListing {
  /** Images per class. */
  counts: Record<string, number>;
  /** The number of images `images` yields. */
  size: number;
}

/** Class of an image: its folder's name, or for files directly in the root, the name's first word. */
function labelFor(rel: string): string {
  const slash = rel.lastIndexOf('/');
  if (slash >= 0) {
    const dir = rel.slice(0, slash);
    return dir.slice(dir.lastIndexOf('/') + 1);
  }
  const word = /^([A-Za-z]+)/.exec(rel);
  return word ? word[1].toLowerCase() : 'lesion';
}

/**
 * One folder's images paired with their masks (which always lie beside them). `kept` holds, one after
 * the other, each kept image as its number of files, then the index in the folder's names of the
 * image and of its masks in index order (`_mask`, `_mask_1`, …): `[2, image, mask, 1, image, …]`.
 */
interface FolderPairs {
  kept: Uint32Array;
  problems: Problem[];
  images: number;
  masks: number;
}

/** 0 for `name_mask.png`, N for `name_mask_N.png`; -1 for a name that is not a mask. */
function maskIndex(name: string): number {
  const ext = IMAGE_EXT.exec(name);
  const m = ext && MASK_NAME.exec(name.slice(0, -ext[0].length));
  return m ? (m[2] === undefined ? 0 : Number(m[2])) : -1;
}

function pairFolder(folder: FolderFiles): FolderPairs {
  // Images go into a hash table by stem (open addressing over indices); each mask looks up its stem
  // (the part before `_mask`). Nothing per file is kept but numbers in typed arrays (see NameTable).
  // Nothing depends on the order the folder lists its files in, which differs between file systems:
  // of two images with one stem (x.png, x.jpg) the name last in code-unit order wins, and masks of
  // one number (x_mask_1.png, x_mask_01.png) go in that order too (as when folders were listed
  // sorted byte-wise, except for names mixing characters past U+FFFF with ones from U+E000).
  const { names, scratch } = folder;
  const n = names.size;
  const stemLength = scratch.u32(0, n);
  const index = scratch.f64(0, n); // a mask's number
  const owner = scratch.u32(2, n); // a mask's image + 1, 0 for none; for an image: its number of masks
  const maskList = scratch.u32(3, n);
  let slots = 16;
  while (slots < 2 * n) slots *= 2;
  const table = scratch.u32(5, slots).fill(0); // image index + 1, 0 for an empty slot
  const problems: Problem[] = [];
  const find = (i: number): number => {
    let slot = names.hash(i, stemLength[i]) & (slots - 1);
    for (; table[slot] !== 0; slot = (slot + 1) & (slots - 1)) {
      const j = table[slot] - 1;
      if (names.compare(i, j, stemLength[i], stemLength[j]) === 0) return slot;
    }
    return slot;
  };
  let images = 0;
  let masks = 0;
  const shadowed: number[] = []; // images that lost their stem to another (rare: kept as a plain list)
  const isMask = scratch.u32(4, n).fill(0);
  for (let i = 0; i < n; i++) {
    const name = names.get(i);
    const ext = IMAGE_EXT.exec(name);
    owner[i] = 0;
    if (!ext) {
      isMask[i] = 2; // neither
      continue;
    }
    const m = MASK_NAME.exec(name.slice(0, -ext[0].length));
    stemLength[i] = m ? m[1].length : name.length - ext[0].length;
    if (m) {
      isMask[i] = 1;
      index[i] = m[2] === undefined ? 0 : Number(m[2]);
      continue;
    }
    const slot = find(i);
    if (table[slot] === 0) images++;
    else shadowed.push(names.compare(i, table[slot] - 1) > 0 ? table[slot] - 1 : i);
    if (table[slot] === 0 || names.compare(i, table[slot] - 1) > 0) table[slot] = i + 1;
  }
  // An image whose stem another image has (x.jpg beside x.png): the masks cannot say whose they are.
  for (const i of shadowed) {
    const { path } = folder.file(i);
    const winner = names.get(table[find(i)] - 1);
    problems.push({
      file: path,
      code: 'DUPLICATE_STEM',
      severity: 'error',
      message: `${path}: "${winner}" beside it has the same name but for the extension, so their masks ("${names.get(i).slice(0, stemLength[i])}_mask…") cannot say whose they are; skipped, and the masks taken as "${winner}"'s. Rename or remove one of the two.`,
    });
  }
  // Each mask to its image; the number of masks per image in `owner` of the image.
  for (let i = 0; i < n; i++) {
    if (isMask[i] !== 1) continue;
    masks++;
    const image = table[find(i)];
    if (image === 0) {
      const { path } = folder.file(i);
      problems.push({
        file: path,
        code: 'MASK_WITHOUT_IMAGE',
        severity: 'error',
        message: `${path}: mask without its image (expected "${names.get(i).slice(0, stemLength[i])}.png" in the same folder); skipped. Restore the image or remove the stray mask.`,
      });
    } else {
      owner[i] = image;
      owner[image - 1]++;
    }
  }
  // Masks listed image by image: `start` of each image's run in `maskList`, filled in directory order.
  const start = index; // an image's index entry is free: reuse it for where its masks start
  let used = 0;
  for (let i = 0; i < n; i++) {
    if (isMask[i] === 0 && table[find(i)] === i + 1) {
      start[i] = used;
      used += owner[i];
      owner[i] = 0; // from here on: masks placed so far
    }
  }
  for (let i = 0; i < n; i++) {
    if (isMask[i] !== 1 || owner[i] === 0) continue;
    const image = owner[i] - 1;
    maskList[start[image] + owner[image]++] = i;
  }
  const kept = scratch.u32(6, 2 * n); // at most a size and an index per file
  let size = 0;
  for (let i = 0; i < n; i++) {
    if (isMask[i] !== 0 || table[find(i)] !== i + 1) continue; // not an image, or one that lost its stem
    const count = owner[i];
    if (count === 0 && labelFor(folder.relDir + names.get(i)) !== 'normal') {
      const { path } = folder.file(i);
      const name = names.get(i);
      problems.push({
        file: path,
        code: 'IMAGE_WITHOUT_MASK',
        severity: 'error',
        message: `${path}: image without a mask (expected "${name.slice(0, -extname(name).length)}_mask.png" beside it); skipped. Add its mask, or move it to normal/ if it shows no lesion.`,
      });
      continue;
    }
    // Masks in index order (`_mask`, `_mask_1`, …), ties by name: an insertion sort, as an image
    // has a handful.
    const run = maskList.subarray(start[i], start[i] + count);
    const after = (a: number, b: number) => index[a] > index[b] || (index[a] === index[b] && names.compare(a, b) > 0);
    for (let k = 1; k < run.length; k++) {
      const m = run[k];
      let j = k - 1;
      for (; j >= 0 && after(run[j], m); j--) run[j + 1] = run[j];
      run[j + 1] = m;
    }
    kept[size++] = 1 + count;
    kept[size++] = i;
    kept.set(run, size);
    size += count;
  }
  return { kept: kept.subarray(0, size), problems, images, masks };
}

/** The listing's record of an image from its folder and the indices of its image and masks. */
function datasetImage(folder: FolderFiles, members: ArrayLike<number>): DatasetImage {
  const { path, relPath } = folder.file(members[0]);
  const masks = Array.from({ length: members.length - 1 }, (_, k) => members[k + 1]);
  return {
    path,
    relPath,
    fileName: relPath.slice(folder.relDir.length),
    label: labelFor(relPath),
    masks: masks.map((m) => ({ path: folder.file(m).path, index: maskIndex(folder.names.get(m)) })),
  };
}

/** Runs `step` and turns an `fs` error into `UNREADABLE` naming the dataset. */
function reading<T>(root: string, abs: string, step: () => T): T {
  try {
    return step();
  } catch (cause) {
    throw new BusToolsError('UNREADABLE', `${root}: cannot be read (${describeError(cause)}). Check the folder's permissions.`, { file: abs, cause });
  }
}

/**
 * Lists `root` once: checks it is a dataset, pairs images with masks folder by folder, and counts
 * (keeping the images only with `keep`).
 */
function listDataset(root: string, fn: string, keep: boolean, scratches: Scratch[] = []): { plan: WalkPlan; listing: Dataset; counts: Record<string, number>; size: number } {
  checkArgument(fn, root, isPath, 'a dataset folder path such as "Dataset_BUSI_with_GT"');
  const abs = resolve(root);
  let st;
  try {
    st = statSync(abs);
  } catch (cause) {
    throw new BusToolsError('INPUT_NOT_FOUND', `${root}: no such folder. Pass the folder that holds benign/, malignant/ and normal/ (e.g. Dataset_BUSI_with_GT).`, { file: abs, cause });
  }
  if (!st.isDirectory()) {
    throw new BusToolsError('NOT_A_FOLDER', `${root}: is a file, not a folder. Pass the dataset folder that holds benign/, malignant/ and normal/.`, { file: abs });
  }
  const kept: DatasetImage[] = [];
  const problems: Problem[] = [];
  const counts: Record<string, number> = Object.create(null); // a class may be called "constructor" or "__proto__"
  let images = 0;
  let masks = 0;
  let size = 0;
  // One read of the tree makes the walk's plan and pairs each folder's images on the way.
  const onFolder = (folder: FolderFiles) => {
    const pairs = pairFolder(folder);
    images += pairs.images;
    masks += pairs.masks;
    for (const p of pairs.problems) problems.push(p); // not push(...): a folder may hold 10⁵ stray masks
    for (let at = 0; at < pairs.kept.length; at += pairs.kept[at] + 1) {
      const members = pairs.kept.subarray(at + 1, at + 1 + pairs.kept[at]);
      const label = labelFor(folder.relDir + folder.names.get(members[0]));
      counts[label] = (counts[label] ?? 0) + 1;
      size++;
      if (keep) kept.push(datasetImage(folder, members));
    }
  };
  const plan = reading(root, abs, () => planWalk(abs, { onFolder, scratches }));
  if (images === 0 && masks === 0) {
    throw new BusToolsError('NO_IMAGES', `${root}: no images found (looked for .png, .jpg, .bmp, .tif, .webp files in it and its subfolders).`, { file: abs });
  }
  if (masks === 0) {
    throw new BusToolsError(
      'NOT_A_DATASET',
      `${root}: found ${images} images but no masks. bus-tools expects each image "name.png" to have its lesion mask "name_mask.png" beside it, as in Kaggle's Dataset_BUSI_with_GT.`,
      { file: abs },
    );
  }
  problems.sort((a, b) => naturalCompare(a.file, b.file));
  const labels = Object.keys(counts).sort(naturalCompare);
  return { plan, listing: { root: abs, images: naturalSortBy(kept, (i) => i.relPath), labels, problems }, counts, size };
}

/**
 * Scans `root` for images and masks and keeps them all.
 *
 * @example
 *   const ds = await discoverDataset('Dataset_BUSI_with_GT');
 *   ds.images[0]; // { fileName: 'benign (1).png', label: 'benign', masks: [{ index: 0, … }], … }
 * @throws BusToolsError `INPUT_NOT_FOUND`, `NOT_A_FOLDER`, `UNREADABLE`, `NO_IMAGES` or `NOT_A_DATASET`.
 */
export async function discoverDataset(root: string): Promise<Dataset> {
  return listDataset(root, 'discoverDataset', true).listing;
}

/**
 * Scans `root` like `discoverDataset` (the same checks, classes, counts and problems, found before
 * it returns) but keeps no image: `images` reads the folders again, one at a time, each time it is
 * iterated, and yields the same images in the same order. For datasets of any size: `extractBoxes`
 * takes it and holds one image at a time. The folder should not change in between.
 *
 * @example
 *   const scan = await scanDataset('Dataset_BUSI_with_GT');
 *   scan.size; // 647
 *   for (const image of scan.images) …
 * @throws BusToolsError as `discoverDataset`; iterating `images` throws `UNREADABLE` when a folder
 *   can no longer be read.
 */
export async function scanDataset(root: string): Promise<DatasetScan> {
  const scratches: Scratch[] = []; // the arrays of the largest folder, reused by every pass
  let busy = false;
  const { plan, listing, counts, size } = listDataset(root, 'scanDataset', false, scratches);
  const images: Iterable<DatasetImage> = {
    *[Symbol.iterator]() {
      // Two walks at once (say, zipped) must not share arrays: the second gets its own.
      const own = busy ? [] : scratches;
      busy ||= own === scratches;
      try {
        const walk = walkGroups(plan, (folder) => pairFolder(folder).kept, own);
        for (;;) {
          const next = reading(root, listing.root, () => walk.next());
          if (next.done) return;
          yield datasetImage(next.value.folder, next.value.members);
        }
      } finally {
        if (own === scratches) busy = false;
      }
    },
  };
  return { ...listing, images, counts, size };
}

/** `relative()` with `/` separators, for messages and manifests. */
export function relativePath(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}
