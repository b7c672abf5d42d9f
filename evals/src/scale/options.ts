/** Command-line options of `npm run eval:scale`. */
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { DriverName } from '@engram/core';
import { REPO_ROOT } from '../lib/machine.js';

export type EmbedderSpec = 'default' | 'hash';

export interface ScaleOptions {
  /** Agents created per driver. */
  agents: number;
  drivers: DriverName[];
  /** Worker threads creating agents (creation waits on fsync as much as on the CPU). */
  workers: number;
  /** Agents sampled for cold open + first recall, for each page-cache state. */
  sample: number;
  /** Agent counts held open at once for the resident-memory figures. */
  resident: number[];
  /** `default`: the offline GloVe word vectors (what Engram uses unless told); `hash`: HashEmbedder, 64 dims. */
  embedder: EmbedderSpec;
  /** Parent of the temp directory (default os.tmpdir()). */
  dir: string;
  keep: boolean;
  /** Where scale.json goes. */
  out: string;
  quick: boolean;
}

export const USAGE = `usage: npm run eval:scale -- [--agents N] [--drivers turso,sqlite] [--workers N] [--sample N]
  [--resident 1000,10000] [--embedder default|hash] [--dir PATH] [--keep] [--out DIR] [--quick]`;

const positiveInt = (name: string, text: string): number => {
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${text}". ${USAGE}`);
  return n;
};

/** Parses argv; `--quick` changes the defaults (2k agents), explicit options still win. */
export function parseScaleOptions(argv: string[]): ScaleOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      agents: { type: 'string' },
      drivers: { type: 'string', default: 'turso,sqlite' },
      workers: { type: 'string', default: String(Math.max(4, 4 * os.cpus().length)) },
      sample: { type: 'string' },
      resident: { type: 'string' },
      embedder: { type: 'string', default: 'default' },
      dir: { type: 'string', default: os.tmpdir() },
      keep: { type: 'boolean', default: false },
      out: { type: 'string', default: join(REPO_ROOT, 'results') },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const drivers = values.drivers.split(',').filter(Boolean);
  for (const d of drivers) if (d !== 'turso' && d !== 'sqlite') throw new Error(`unknown driver "${d}". ${USAGE}`);
  if (values.embedder !== 'default' && values.embedder !== 'hash') throw new Error(`unknown embedder "${values.embedder}". ${USAGE}`);
  const quick = values.quick;
  return {
    agents: positiveInt('agents', values.agents ?? (quick ? '2000' : '100000')),
    drivers: drivers as DriverName[],
    workers: positiveInt('workers', values.workers),
    sample: positiveInt('sample', values.sample ?? (quick ? '300' : '1000')),
    resident: (values.resident ?? (quick ? '100,1000' : '1000,10000')).split(',').map((n) => positiveInt('resident', n)),
    embedder: values.embedder,
    dir: values.dir,
    keep: values.keep,
    out: values.out,
    quick,
  };
}
