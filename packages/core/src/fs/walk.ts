/**
 * The one folder walker every command uses (dataset discovery, lint, split, eval, predict's
 * `--input`), so that all of them see the same files.
 *
 * Symbolic links are followed, to files and to folders, with one rule for links that lead to
 * something already seen: each real file is listed once and each real folder is walked once
 * (compared by real path, links resolved). A file reachable by several paths is listed under the
 * one that passes through the fewest links (the plain path wins over a linked one), ties going to
 * the path first in natural order. So a link back up the tree (`ln -s .. loop`) adds nothing, a
 * link to a folder that is walked anyway adds nothing, and no layout of links can make the walk
 * loop or repeat itself. Broken links are skipped, and so are names starting with `.` (files and
 * whole folders).
 *
 * A walk has two steps. `planWalk` decides which folders are walked under which path and which
 * links to files are listed; it keeps one record per folder and per such link, none per file.
 * `walkGroups` then reads the folders again one at a time, depth first, and hands out their files
 * in natural order of their paths (`naturalCompare`), so a listing of any size holds only the names
 * of the folders on the current path (in a `NameTable`: no heap object per name), not every file of
 * the tree.
 */
import { opendirSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { basename, dirname, sep } from 'node:path';
import { naturalKey, naturalSortBy } from '../natural.js';
import { Scratch, type NameTable } from './names.js';

export interface WalkedFile {
  /** The path as reached from the root (the root as given, then `relPath`); links not resolved. */
  path: string;
  /** Path relative to the root, with `/` separators. */
  relPath: string;
  /** The file's real path (every link resolved); no two walked files share one. */
  realPath: string;
}

export interface WalkOptions {
  /**
   * Folder levels below the root to look into: 1 lists only the root's own files. Default: no limit.
   * A glob such as `*\/*.png` needs 2.
   */
  maxDepth?: number;
}

export interface PlanOptions extends WalkOptions {
  /**
   * Called with each folder's files while the plan is made (one read of the tree for both): a
   * folder without links at once, a folder holding links once the plan is made.
   */
  onFolder?: (folder: FolderFiles) => void;
  /** Arrays to reuse, one per depth (see `walkGroups`). */
  scratches?: Scratch[];
}

/** Which folders a walk reads, and under which path (see `planWalk`). */
export interface WalkPlan {
  /** The root as given. */
  root: string;
  /** Folders walked, by path relative to the root with a trailing `/` (`''` for the root itself). */
  folders: Map<string, { path: string; realPath: string }>;
  /** Links to files that are listed: their path relative to the root → the file's real path. */
  fileLinks: Map<string, string>;
  /** Real paths of the files listed through such a link; a plain path to one of them is not listed. */
  linked: Set<string>;
}

const withSep = (dir: string) => (dir.endsWith(sep) ? dir : dir + sep);
const fullPath = (root: string, relPath: string) => withSep(root) + (sep === '/' ? relPath : relPath.replaceAll('/', sep));

/**
 * Calls `fn` with each entry of the folder `path`, read a few at a time (so a large folder is never
 * a large array of entries).
 * @throws the `fs` error, its message naming the folder.
 */
function eachEntry(path: string, fn: (entry: Dirent) => void): void {
  // An fs error's message may leave out the path (readdir's names it): add it, keeping the error's code.
  const naming = (err: unknown) => {
    const e = err as NodeJS.ErrnoException;
    if (typeof e?.message === 'string' && e.code && !e.message.includes(path)) e.message = `${e.message} '${path}'`;
    return e;
  };
  let dir;
  try {
    dir = opendirSync(path);
  } catch (err) {
    throw naming(err);
  }
  try {
    for (let entry; (entry = dir.readSync()); ) fn(entry);
  } catch (err) {
    throw naming(err);
  } finally {
    dir.closeSync();
  }
}

/** A folder waiting to be walked: where it was reached, and how deep. */
interface Pending {
  path: string;
  relPath: string;
  depth: number;
}

/**
 * Decides the walk of `root`: which folders are read under which path, and which links to files are
 * listed (see the module comment for the rule). Reads every folder once; keeps nothing per file.
 * With `onFolder`, hands over each folder's files on the way.
 *
 * @throws the `fs` error of the first folder that cannot be read (its message names the folder), or
 *   of `root` itself when it does not exist.
 */
export function planWalk(root: string, options: PlanOptions = {}): WalkPlan {
  const maxDepth = options.maxDepth ?? Infinity;
  const { onFolder, scratches = [] } = options;
  const later: string[] = []; // folders holding links: their files are known once the links are
  const plan: WalkPlan = { root, folders: new Map(), fileLinks: new Map(), linked: new Set() };
  const seenDirs = new Set<string>(); // real paths of the folders walked: each of their visible files is listed

  // Round k walks the folders reached through k links; their plain subfolders are walked at once,
  // the links found are resolved after the round, in natural order, for round k + 1. So a real file
  // is first met by its path through the fewest links.
  let round: Pending[] = [{ path: root, relPath: '', depth: 0 }];
  while (round.length) {
    const links: Pending[] = [];
    const walk = (dir: string, rel: string, real: string, depth: number): void => {
      if (seenDirs.has(real)) return;
      seenDirs.add(real);
      plan.folders.set(rel, { path: dir, realPath: real });
      const at = withSep(dir);
      const realAt = withSep(real);
      const subfolders: Pending[] = [];
      const scratch = onFolder && scratchAt(scratches, depthOf(rel));
      scratch?.names.clear();
      let hasLinks = false;
      eachEntry(dir, (entry) => {
        if (entry.name.startsWith('.')) return;
        if (entry.isSymbolicLink()) {
          hasLinks = true;
          links.push({ path: at + entry.name, relPath: rel + entry.name, depth });
        } else if (entry.isDirectory() && depth + 1 < maxDepth) subfolders.push({ path: at + entry.name, relPath: `${rel}${entry.name}/`, depth: depth + 1 });
        else if (scratch && entry.isFile() && listedHere(plan, realAt, entry.name)) scratch.names.add(entry.name);
      });
      // A folder without links has all its files now (a link found later to one of them is not listed).
      if (scratch && onFolder) {
        if (hasLinks) later.push(rel);
        else onFolder(folderFiles(plan, rel, scratch));
      }
      // In name order, not the order the file system lists them in: of two paths to one folder (a
      // bind mount) the same one is walked on every machine.
      subfolders.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      for (const sub of subfolders) walk(sub.path, sub.relPath, realAt + sub.path.slice(at.length), sub.depth);
    };
    for (const folder of round) walk(folder.path, folder.relPath, realpathSync(folder.path), folder.depth);

    const next: Pending[] = [];
    for (const link of naturalSortBy(links, (l) => l.relPath)) {
      let real: string;
      let isDir: boolean;
      try {
        const st = statSync(link.path);
        if (!st.isFile() && !st.isDirectory()) continue;
        isDir = st.isDirectory();
        real = realpathSync(link.path);
      } catch {
        continue; // broken link, or a loop of links that never reaches a file
      }
      if (!isDir) {
        // Listed already: through an earlier link, or as a visible file of a folder walked so far.
        if (plan.linked.has(real) || (seenDirs.has(dirname(real)) && !basename(real).startsWith('.'))) continue;
        plan.linked.add(real);
        plan.fileLinks.set(link.relPath, real);
      } else if (link.depth + 1 < maxDepth && !seenDirs.has(real)) next.push({ path: link.path, relPath: `${link.relPath}/`, depth: link.depth + 1 });
    }
    round = next;
  }
  for (const rel of later) onFolder?.(readFolder(plan, rel, scratchAt(scratches, depthOf(rel))).folder);
  return plan;
}

/** One planned folder's files (see `planWalk` and `walkGroups`). */
export interface FolderFiles {
  /** The folder's path relative to the root, with a trailing `/` (`''` for the root). */
  relDir: string;
  /** Names of its files, in directory order. */
  names: NameTable;
  /** File `index` of `names`, with its path and real path. */
  file(index: number): WalkedFile;
  /**
   * Arrays to work in. They, and `names`, are the walk's and are reused for the next folder: a
   * folder's files are valid until the walk moves on.
   */
  scratch: Scratch;
}

/** The files of the planned folder `relDir` whose names are in `scratch.names`. */
function folderFiles(plan: WalkPlan, relDir: string, scratch: Scratch): FolderFiles {
  const realAt = withSep(plan.folders.get(relDir)?.realPath ?? '');
  const { names } = scratch;
  return {
    relDir,
    names,
    scratch,
    file: (index) => {
      const relPath = relDir + names.get(index);
      return { path: fullPath(plan.root, relPath), relPath, realPath: plan.fileLinks.get(relPath) ?? realAt + relPath.slice(relDir.length) };
    },
  };
}

/**
 * Reads one planned folder: its files' names and its planned subfolders. Entries are read a few at a
 * time into a `NameTable`, so a folder of any size holds no heap object per file.
 */
function readFolder(plan: WalkPlan, relDir: string, scratch: Scratch): { folder: FolderFiles; subfolders: string[] } {
  const { names } = scratch;
  names.clear();
  const subfolders: string[] = [];
  const at = plan.folders.get(relDir);
  const realAt = at ? withSep(at.realPath) : '';
  const folder = folderFiles(plan, relDir, scratch);
  if (!at) return { folder, subfolders };
  eachEntry(at.path, (entry) => {
    const { name } = entry;
    if (name.startsWith('.')) return;
    if (entry.isFile()) {
      if (listedHere(plan, realAt, name)) names.add(name);
    } else if (entry.isSymbolicLink() || entry.isDirectory()) {
      if (plan.fileLinks.has(relDir + name)) names.add(name);
      else if (plan.folders.has(`${relDir}${name}/`)) subfolders.push(`${relDir}${name}/`);
    }
  });
  return { folder, subfolders };
}

/** A plain file of a folder is listed there unless a link to it (a path with fewer links) lists it. */
const listedHere = (plan: WalkPlan, realAt: string, name: string) => plan.linked.size === 0 || !plan.linked.has(realAt + name);

/** How deep `relDir` lies: 0 for the root, 1 for `benign/`, … */
const depthOf = (relDir: string) => {
  let depth = 0;
  for (let i = relDir.indexOf('/'); i >= 0; i = relDir.indexOf('/', i + 1)) depth++;
  return depth;
};

/** The scratch for folders at `depth` (one per depth: see `Scratch`). */
const scratchAt = (scratches: Scratch[], depth: number) => (scratches[depth] ??= new Scratch());

/**
 * The sort key, within the folder `relDir`, of the path `relDir + name`: its `naturalKey` without the
 * part every path of the folder shares. Below the root a name that starts with a digit starts a new
 * chunk (the folder's `/` ends the one before), which the leading U+0000 stands for.
 */
function keyInFolder(relDir: string, name: string): string {
  const c = name.charCodeAt(0);
  return relDir !== '' && c >= 48 && c <= 57 ? `\0${naturalKey(name)}` : naturalKey(name);
}

/** Scratch slots of `walkGroups` (a `group` function uses slots from 0 up to 7). */
const ENTRIES = 8;
const ORDER = 9;

/**
 * Walks `plan` depth first and yields the groups of files `group` makes of each folder (say, an
 * image and its masks), every group of the tree in natural order of the path of its first file.
 * `group` returns the groups as indices into the folder's `names`, one after the other, each as its
 * size then its members (`[2, image, mask, 1, image, …]`), in an array of its choice (scratch slots
 * 0 to 7 are free for it). Each folder is read when the walk reaches
 * it, so memory holds the names of the folders on the current path, not those of the whole tree.
 * `scratches`: arrays to reuse, one per depth (`planWalk` takes the same), e.g. for walking one
 * tree more than once.
 */
export function* walkGroups(
  plan: WalkPlan,
  group: (folder: FolderFiles) => Uint32Array,
  scratches: Scratch[] = [],
): Generator<{ folder: FolderFiles; members: Uint32Array }> {
  // Sorting a folder's groups and subfolders together by whole relative path, a subfolder keyed by
  // its path with the trailing `/`, gives the natural order of every path below: the comparison of
  // two paths is decided within their first differing names, and a name never holds a `/`.
  // One set of arrays per depth: a folder's are reused by its next sibling (see Scratch).
  function* visit(relDir: string, depth: number): Generator<{ folder: FolderFiles; members: Uint32Array }> {
    const scratch = scratchAt(scratches, depth);
    const { folder, subfolders } = readFolder(plan, relDir, scratch);
    const groups = group(folder);
    const { keys } = scratch;
    keys.clear();
    // Typed arrays, not arrays of numbers: nothing here grows the heap with the folder.
    const entries = scratch.u32(ENTRIES, groups.length + subfolders.length); // a group's offset in `groups`, or groups.length + a subfolder's index
    let n = 0;
    for (let at = 0; at < groups.length; at += groups[at] + 1) {
      keys.add(keyInFolder(relDir, folder.names.get(groups[at + 1])));
      entries[n++] = at;
    }
    for (const [k, sub] of subfolders.entries()) {
      keys.add(keyInFolder(relDir, sub.slice(relDir.length)));
      entries[n++] = groups.length + k;
    }
    const order = scratch.u32(ORDER, n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => keys.compare(a, b));
    for (const e of order) {
      const entry = entries[e];
      if (entry >= groups.length) yield* visit(subfolders[entry - groups.length], depth + 1);
      else yield { folder, members: groups.subarray(entry + 1, entry + 1 + groups[entry]) };
    }
  }
  yield* visit('', 0);
}

/**
 * Every file below `root` (see the module comment for links and hidden names), in natural order of
 * `relPath`, one at a time: memory holds the names of the folders on the current path, not a record
 * per file (`walkFiles` collects them).
 * @throws the `fs` error of the first folder that cannot be read (its message names the folder), or
 *   of `root` itself when it does not exist.
 */
export function* eachFile(root: string, options: WalkOptions = {}): Generator<WalkedFile> {
  const eachAlone = (folder: FolderFiles) => {
    const groups = folder.scratch.u32(0, folder.names.size * 2);
    for (let i = 0; i < folder.names.size; i++) {
      groups[2 * i] = 1;
      groups[2 * i + 1] = i;
    }
    return groups;
  };
  for (const { folder, members } of walkGroups(planWalk(root, options), eachAlone)) yield folder.file(members[0]);
}

/**
 * Every file below `root`, as `eachFile` hands them over, in one list.
 *
 * @example
 *   walkFiles('Dataset_BUSI_with_GT').map((f) => f.relPath);
 *   // ['benign/benign (1).png', 'benign/benign (1)_mask.png', 'benign/benign (2).png', …]
 * @throws as `eachFile`.
 */
export function walkFiles(root: string, options: WalkOptions = {}): WalkedFile[] {
  return [...eachFile(root, options)];
}
