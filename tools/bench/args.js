/**
 * Command-line options of the benchmark scripts: `opt('--rounds', 5)` takes `--rounds N` out of the
 * arguments (or gives the default); what is left in `args` are the positional arguments.
 */
export function benchArgs(argv = process.argv.slice(2)) {
  const args = [...argv];
  const opt = (name, dflt) => {
    const at = args.indexOf(name);
    return at >= 0 ? args.splice(at, 2)[1] : dflt;
  };
  return { args, opt };
}
