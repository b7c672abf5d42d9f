/** Command-line options of the benchmark. */
import type { DriverName } from '../../src/index.js';

export const SECTIONS = ['latency', 'insert', 'cold', 'memory', 'branches'] as const;
export type Section = (typeof SECTIONS)[number];

export interface Options {
  quick: boolean;
  only: Set<Section>;
  drivers: DriverName[];
  /** Memory counts at which recall latency is measured (one growing agent per driver and dataset). */
  sizes: number[];
  /** Datasets of the latency section (default both: gmm-384, glove-100). */
  datasets: string[];
  /** Agents on disk for the cold-open section. */
  agents: number;
  /** Agents sampled for cold open + first recall. */
  coldSample: number;
  /** Agents held open at once for the memory section. */
  openHandles: number;
  /** Measured queries per method (after warm-up); engine brute force uses `bruteQueries`. */
  queries: number;
  bruteQueries: number;
  warmup: number;
  /** Parallel workers creating the agent fleet. */
  workers: number;
  /** Agent sizes (MiB) for the branches section. */
  branchSizesMb: number[];
  /** Timed repetitions per operation and size in the branches section. */
  branchRepeats: number;
}

const USAGE = `usage: node core/dist-bench/bench/run.js [--quick] [--only=latency,insert,cold,memory,branches] [--drivers=turso,sqlite] [--workers=N] [--sizes=10000,100000,1000000] [--datasets=gmm-384,glove-100]`;

export function parseOptions(argv: string[]): Options {
  let quick = false;
  let only: Set<Section> = new Set(SECTIONS);
  let drivers: DriverName[] = ['turso', 'sqlite'];
  let workers = 4;
  let sizes: number[] | undefined;
  let datasets = ['gmm-384', 'glove-100'];
  for (const arg of argv) {
    const [key, value = ''] = arg.split('=', 2) as [string, string?];
    if (key === '--quick') quick = true;
    else if (key === '--only') {
      const list = value.split(',').filter(Boolean);
      for (const s of list) if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`unknown section "${s}". ${USAGE}`);
      only = new Set(list as Section[]);
    } else if (key === '--drivers') {
      const list = value.split(',').filter(Boolean);
      for (const d of list) if (d !== 'turso' && d !== 'sqlite') throw new Error(`unknown driver "${d}". ${USAGE}`);
      drivers = list as DriverName[];
    } else if (key === '--sizes') {
      sizes = value.split(',').map((v) => Number.parseInt(v, 10));
      if (sizes.length === 0 || sizes.some((n) => !(n >= 100))) throw new Error(`--sizes takes counts of at least 100. ${USAGE}`);
      sizes.sort((a, b) => a - b);
    } else if (key === '--datasets') {
      datasets = value.split(',').filter(Boolean);
      for (const d of datasets) if (d !== 'gmm-384' && d !== 'glove-100') throw new Error(`unknown dataset "${d}". ${USAGE}`);
    } else if (key === '--workers') {
      workers = Math.max(1, Number.parseInt(value, 10) || 1);
    } else if (key === '--help' || key === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown option "${arg}". ${USAGE}`);
  }
  return {
    quick,
    only,
    drivers,
    sizes: sizes ?? (quick ? [1_000, 10_000] : [10_000, 100_000]),
    datasets,
    agents: quick ? 1_000 : 10_000,
    coldSample: quick ? 500 : 1_000,
    openHandles: 1_000,
    queries: quick ? 50 : 100,
    bruteQueries: 50,
    warmup: 10,
    workers,
    branchSizesMb: quick ? [1, 10, 50] : [1, 10, 100, 500],
    branchRepeats: quick ? 3 : 5,
  };
}
