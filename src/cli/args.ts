/**
 * `--name value` pairs from argv; a repeated flag collects every value. The `switches` take
 * no value: `--verified` alone stands for `--verified=true`.
 */
export function parseArgs(argv: string[], switches: readonly string[] = []): Map<string, string[]> {
  const args = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (!flag.startsWith('--')) throw new Error(`unexpected argument ${flag}`);
    const [name, inline] = flag.slice(2).split('=', 2);
    if (switches.includes(name) && inline !== undefined) {
      throw new Error(`--${name} takes no value`);
    }
    const value = switches.includes(name) ? 'true' : (inline ?? argv[++i]);
    if (value === undefined) throw new Error(`--${name} needs a value`);
    args.set(name, [...(args.get(name) ?? []), value]);
  }
  return args;
}

/** Runs a command, printing one line on failure and exiting non-zero. */
export function runCli(command: () => Promise<void>): void {
  command().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`error: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
