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
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, sep } from 'node:path';
import { naturalCompare } from '../natural.js';

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

const withSep = (dir: string) => (dir.endsWith(sep) ? dir : dir + sep);

/** A folder waiting to be walked: where it was reached, and how deep. */
interface Pending {
  path: string;
  relPath: string;
  depth: number;
}

/**
 * Every file below `root` (see the module comment for links and hidden names). The list is the same
 * on every run, but in the order found (folder by folder in directory order, links after plain
 * folders); sort it for display, e.g. with `naturalCompare` on `relPath`.
 *
 * @example
 *   walkFiles('Dataset_BUSI_with_GT').map((f) => f.relPath);
 *   // ['benign/benign (1).png', 'benign/benign (1)_mask.png', 'benign/benign (2).png', …]
 * @throws the `fs` error of the first folder that cannot be read (its message names the folder), or
 *   of `root` itself when it does not exist.
 */
export function walkFiles(root: string, options: WalkOptions = {}): WalkedFile[] {
  const maxDepth = options.maxDepth ?? Infinity;
  const files: WalkedFile[] = [];
  const seenDirs = new Set<string>(); // real paths of the folders walked: each of their visible files is listed
  const linkedFiles = new Set<string>(); // real paths of the files listed through a link to the file itself
  const base = withSep(root);
  const push = (relPath: string, realPath: string) =>
    void files.push({ path: base + (sep === '/' ? relPath : relPath.replaceAll('/', sep)), relPath, realPath });

  // Round k walks the folders reached through k links; their plain subfolders are walked at once,
  // the links found are resolved after the round, in natural order, for round k + 1. So a real file
  // is first met by its path through the fewest links.
  let round: Pending[] = [{ path: root, relPath: '', depth: 0 }];
  while (round.length) {
    const links: Pending[] = [];
    const walk = (dir: string, rel: string, real: string, depth: number): void => {
      if (seenDirs.has(real)) return;
      seenDirs.add(real);
      const at = withSep(dir);
      const realAt = withSep(real);
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.name.startsWith('.')) continue;
        const relPath = rel + entry.name;
        if (entry.isFile()) {
          if (linkedFiles.size === 0 || !linkedFiles.has(realAt + entry.name)) push(relPath, realAt + entry.name);
        }
        else if (entry.isSymbolicLink()) links.push({ path: at + entry.name, relPath, depth });
        else if (entry.isDirectory() && depth + 1 < maxDepth) walk(at + entry.name, `${relPath}/`, realAt + entry.name, depth + 1);
      }
    };
    for (const folder of round) walk(folder.path, folder.relPath, realpathSync(folder.path), folder.depth);

    const next: Pending[] = [];
    links.sort((a, b) => naturalCompare(a.relPath, b.relPath));
    for (const link of links) {
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
        if (linkedFiles.has(real) || (seenDirs.has(dirname(real)) && !basename(real).startsWith('.'))) continue; // listed already
        linkedFiles.add(real);
        push(link.relPath, real);
      } else if (link.depth + 1 < maxDepth && !seenDirs.has(real)) next.push({ path: link.path, relPath: `${link.relPath}/`, depth: link.depth + 1 });
    }
    round = next;
  }
  return files;
}
