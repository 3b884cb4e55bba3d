/**
 * Prints, when the process exits, its peak RSS and the size of each V8 heap space of over 1 MB
 * (new space: where objects are made; old space: where those that outlive collections go), to
 * see what part of a command's memory is the engine's sizing rather than data kept:
 *
 *   NODE_OPTIONS="--require ./tools/bench/heap-spaces.cjs" node packages/cli/bin/bus-tools.js masks2csv SET -o x.csv --include-normal
 *   // heap-spaces: peak RSS 64.6 MB; new_space 4.0 MB, old_space 6.7 MB, code_space 1.3 MB
 */
const v8 = require('node:v8');

process.on('exit', () => {
  const spaces = v8
    .getHeapSpaceStatistics()
    .filter((s) => s.space_size > 1e6)
    .map((s) => `${s.space_name} ${(s.space_size / 1048576).toFixed(1)} MB`);
  process.stderr.write(`heap-spaces: peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MB; ${spaces.join(', ')}\n`);
});
