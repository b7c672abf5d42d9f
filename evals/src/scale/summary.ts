/** The shape of results/scale.json and its plain-text tables. */
import type { DriverName } from '@engram/core';
import type { MachineInfo } from '../lib/machine.js';
import { textTable, type Cell } from '../lib/table.js';
import { check, coldTarget, IDLE_DISK_TARGET } from '../report/targets.js';
import type { ColdResult } from './cold.js';
import type { CreateResult, DiskResult } from './create.js';
import type { ScaleOptions } from './options.js';
import type { ResidentResult } from './resident.js';

export interface ScaleDriverResult {
  driver: DriverName;
  create?: CreateResult;
  disk?: DiskResult;
  cold: ColdResult[];
  resident: ResidentResult[];
  error?: string;
}

export interface ScaleResults {
  benchmark: 'scale';
  timestamp: string;
  wallSeconds: number;
  options: Omit<ScaleOptions, 'dir' | 'out'>;
  embedder: { spec: string; id: string; dims: number };
  machine: MachineInfo;
  drivers: ScaleDriverResult[];
  notes: string[];
}

export function kb(bytes: number): number;
export function kb(bytes: number | undefined): number | undefined;
export function kb(bytes: number | undefined): number | undefined {
  return bytes === undefined ? undefined : Math.round(bytes / 1024);
}
export const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

/** A cold-open row's measured cells: driver, cache, sample, open / first recall / total p50 and p99, warm recall p50. */
export function coldCells(driver: string, c: ScaleDriverResult['cold'][number]): Cell[] {
  return [
    driver,
    c.cache,
    c.sample,
    c.openMs.p50,
    c.openMs.p99,
    c.firstRecallMs.p50,
    c.firstRecallMs.p99,
    c.totalMs.p50,
    c.totalMs.p99,
    c.warmRecallMs.p50,
  ];
}

export function scaleTables(r: ScaleResults): string {
  const out: string[] = [];
  const title = (t: string) => out.push('', `== ${t}`);
  title(
    `Scale: ${r.options.agents.toLocaleString('en-US')} agents per driver, 3-5 memories each, embedder ${r.embedder.id} (${r.embedder.dims} dims)`,
  );
  out.push(
    textTable(
      [
        'driver',
        'agents',
        'memories',
        'workers',
        'create s',
        'agents/s',
        'CPU ms/agent',
        'KB/agent',
        'KB/agent allocated',
        'files (by kind)',
        'target',
        'status',
      ],
      r.drivers.map((d): Cell[] => [
        d.driver,
        d.create?.agents,
        d.create?.memories,
        d.create?.workers,
        d.create?.seconds,
        d.create?.agentsPerSec,
        d.create?.cpuMsPerAgent,
        kb(d.disk?.bytesPerAgent),
        kb(d.disk?.allocatedPerAgent),
        d.disk
          ? Object.entries(d.disk.bySuffix)
              .map(([s, v]) => `${s} ${v.files} (${kb(v.bytes / v.files)} KB)`)
              .join(', ')
          : undefined,
        `<=${IDLE_DISK_TARGET.value}KB`,
        check(d.disk === undefined ? undefined : kb(d.disk.bytesPerAgent), IDLE_DISK_TARGET),
      ]),
    ),
  );
  title(`Cold open + first recall with every agent on disk (fresh Engram, maxOpenAgents 16, hybrid recall limit 10; ms)`);
  out.push(
    textTable(
      [
        'driver',
        'page cache',
        'sample',
        'open p50',
        'open p99',
        '1st recall p50',
        '1st recall p99',
        'total p50',
        'total p99',
        'warm recall p50',
        'target',
        'status',
      ],
      r.drivers.flatMap((d) =>
        d.cold.map((c): Cell[] => {
          const target = coldTarget(d.driver);
          return [...coldCells(d.driver, c), target ? `p50<=${target.value}ms` : '-', check(c.totalMs.p50, target)];
        }),
      ),
    ),
  );
  title('Resident memory with agents held open at once (each opened, then one recall; child processes with --expose-gc)');
  out.push(
    textTable(
      [
        'driver',
        'agents in use',
        'processes',
        'RSS total MB',
        'RSS baseline MB',
        'KB/agent opened',
        'KB/agent in use',
        'fds/agent',
        'fd limit',
        'open s',
        'note',
      ],
      r.drivers.flatMap((d) =>
        d.resident.map((m): Cell[] => [
          d.driver,
          m.agents === m.requested ? m.agents : `${m.agents.toLocaleString('en-US')} of ${m.requested.toLocaleString('en-US')}`,
          m.processes,
          mb(m.rssTotal),
          mb(m.rssBaseline),
          kb(m.rssPerAgentOpen),
          kb(m.rssPerAgentInUse),
          m.fdsPerAgent,
          m.fdLimit,
          m.openSeconds,
          [
            m.error,
            m.capped,
            m.rssExtrapolated === undefined ? undefined : `extrapolated RSS at ${m.requested}: ${mb(m.rssExtrapolated)} MB`,
          ]
            .filter(Boolean)
            .join('; ') || undefined,
        ]),
      ),
    ),
  );
  for (const d of r.drivers) if (d.error) out.push(`  ${d.driver} failed: ${d.error}`);
  for (const n of r.notes) out.push(`  ${n}`);
  out.push('', `wall time ${r.wallSeconds} s`);
  return out.join('\n');
}
