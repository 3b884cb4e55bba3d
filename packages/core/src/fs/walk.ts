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
 * of the folders on the current path, not every file of the tree.
 */
import { opendirSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, sep } from 'node:path';
import { naturalSortBy } from '../natural.js';

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

/** A folder waiting to be walked: where it was reached, and how deep. */
interface Pending {
  path: string;
  relPath: string;
  depth: number;
}

/**
 * Decides the walk of `root`: which folders are read under which path, and which links to files are
 * listed (see the module comment for the rule). Reads every folder once; keeps nothing per file.
 *
 * @throws the `fs` error of the first folder that cannot be read (its message names the folder), or
 *   of `root` itself when it does not exist.
 */
export function planWalk(root: string, options: WalkOptions = {}): WalkPlan {
  const maxDepth = options.maxDepth ?? Infinity;
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
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.name.startsWith('.')) continue;
        if (entry.isSymbolicLink()) links.push({ path: at + entry.name, relPath: rel + entry.name, depth });
        else if (entry.isDirectory() && depth + 1 < maxDepth) walk(at + entry.name, `${rel}${entry.name}/`, realAt + entry.name, depth + 1);
      }
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
  return plan;
}

/** One planned folder's files, by name (see `walkFolders`). */
export interface FolderFiles {
  /** The folder's path relative to the root, with a trailing `/` (`''` for the root). */
  relDir: string;
  /** Names of its files, in directory order. */
  names: string[];
  /** A file of the folder by name, with its path and real path. */
  file(name: string): WalkedFile;
}

/**
 * Reads one planned folder: its files' names and its planned subfolders. Entries are read a few at a
 * time, so a folder of any size costs one short string per file.
 */
function readFolder(plan: WalkPlan, relDir: string): { folder: FolderFiles; subfolders: string[] } {
  const names: string[] = [];
  const subfolders: string[] = [];
  const at = plan.folders.get(relDir);
  const realAt = at ? withSep(at.realPath) : '';
  const folder: FolderFiles = {
    relDir,
    names,
    file: (name) => ({ path: fullPath(plan.root, relDir + name), relPath: relDir + name, realPath: plan.fileLinks.get(relDir + name) ?? realAt + name }),
  };
  if (!at) return { folder, subfolders };
  let dir;
  try {
    dir = opendirSync(at.path);
  } catch (err) {
    // opendir's message leaves out the path (readdir's names it): add it, keeping the error's code.
    const e = err as NodeJS.ErrnoException;
    if (!e.message.includes(at.path)) e.message = `${e.message} '${at.path}'`;
    throw e;
  }
  try {
    for (let entry; (entry = dir.readSync()); ) {
      const { name } = entry;
      if (name.startsWith('.')) continue;
      // A file listed through a link to it (a path with fewer links) is not listed again here.
      if (entry.isFile()) {
        if (plan.linked.size === 0 || !plan.linked.has(realAt + name)) names.push(name);
      } else if (entry.isSymbolicLink() || entry.isDirectory()) {
        if (plan.fileLinks.has(relDir + name)) names.push(name);
        else if (plan.folders.has(`${relDir}${name}/`)) subfolders.push(`${relDir}${name}/`);
      }
    }
  } finally {
    dir.closeSync();
  }
  return { folder, subfolders };
}

/**
 * The planned folders' files, one folder at a time in no particular order (each folder's names in
 * directory order). For work that needs every file once but no order, such as counting.
 */
export function* walkFolders(plan: WalkPlan): Generator<FolderFiles> {
  for (const relDir of plan.folders.keys()) yield readFolder(plan, relDir).folder;
}

/**
 * Walks `plan` depth first and yields the groups of file names `group` makes of each folder's files
 * (say, an image and its masks), every group of the tree in natural order of the path of its first
 * file. Each folder is read when the walk reaches it, so memory holds the groups of the folders on
 * the current path, not those of the whole tree; a group is let go once it is handed over.
 */
export function* walkGroups(plan: WalkPlan, group: (folder: FolderFiles) => string[][]): Generator<{ folder: FolderFiles; names: string[] }> {
  // Sorting a folder's groups and subfolders together by full relative path, a subfolder keyed by its
  // path with the trailing `/`, gives the natural order of every path below: the comparison of two
  // paths is decided within their first differing names, and a name never holds a `/`.
  function* visit(relDir: string): Generator<{ folder: FolderFiles; names: string[] }> {
    const { folder, subfolders } = readFolder(plan, relDir);
    const entries: Array<string | string[] | undefined> = naturalSortBy<string | string[] | undefined>([...subfolders, ...group(folder)], (e) =>
      typeof e === 'string' ? e : relDir + e![0],
    );
    folder.names.length = 0; // the groups hold what is needed from here on
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      entries[i] = undefined; // handed over: no longer held here
      if (typeof entry === 'string') yield* visit(entry);
      else yield { folder, names: entry };
    }
  }
  yield* visit('');
}

/**
 * Every file below `root` (see the module comment for links and hidden names), in natural order of
 * `relPath`.
 *
 * @example
 *   walkFiles('Dataset_BUSI_with_GT').map((f) => f.relPath);
 *   // ['benign/benign (1).png', 'benign/benign (1)_mask.png', 'benign/benign (2).png', …]
 * @throws the `fs` error of the first folder that cannot be read (its message names the folder), or
 *   of `root` itself when it does not exist.
 */
export function walkFiles(root: string, options: WalkOptions = {}): WalkedFile[] {
  const files: WalkedFile[] = [];
  for (const { folder, names } of walkGroups(planWalk(root, options), (f) => f.names.map((name) => [name]))) files.push(folder.file(names[0]));
  return files;
}
