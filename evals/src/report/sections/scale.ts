/** Section of results/scale.json (`npm run eval:scale`): many agents per machine, per driver. */
import { coldCells, kb, mb, type ScaleResults } from '../../scale/summary.js';
import { coldTarget, IDLE_DISK_TARGET } from '../targets.js';
import { count, figure, type Figure, type Section } from '../section.js';
import { groupedBarChart } from '../svg.js';
import type { CoreJson } from './core.js';

/** `core`, when present, gives the baseline of cold open: the same measurement over core's smaller fleet. */
export function scaleSection(json: ScaleResults, command: string, core?: CoreJson): Section {
  const figures: Figure[] = [];
  const notes = [...json.notes];
  const n = count(json.options.agents);
  const drivers = json.drivers;
  const coreCold = (driver: string) => core?.fleet?.cold?.find((c) => c.driver === driver);
  for (const d of drivers) {
    if (d.error) notes.push(`${d.driver} failed: ${d.error}`);
    if (d.create) {
      figures.push(figure(`agents created per second (${d.create.workers} workers), ${d.driver}`, d.create.agentsPerSec, 'agents/s'));
      figures.push(figure(`CPU per agent created, ${d.driver}`, d.create.cpuMsPerAgent, 'ms'));
    }
    if (d.disk) {
      figures.push(figure(`disk per idle agent, apparent size, ${d.driver}`, kb(d.disk.bytesPerAgent), 'KB', { target: IDLE_DISK_TARGET }));
      figures.push(figure(`disk per idle agent, allocated blocks, ${d.driver}`, kb(d.disk.allocatedPerAgent), 'KB'));
    }
    for (const c of d.cold) {
      const base = c.cache === 'warm' ? coreCold(d.driver) : undefined;
      figures.push(
        figure(`cold open + first recall p50, ${n} agents on disk, page cache ${c.cache}, ${d.driver}`, c.totalMs.p50, 'ms', {
          ...(base ? { baseline: { label: `bench-core, ${count(base.agents)} agents`, value: base.totalMs.p50 } } : {}),
          ...(c.cache === 'warm' && coldTarget(d.driver) ? { target: coldTarget(d.driver) } : {}),
        }),
        figure(`cold open + first recall p99, ${n} agents on disk, page cache ${c.cache}, ${d.driver}`, c.totalMs.p99, 'ms'),
      );
    }
    for (const r of d.resident) {
      figures.push(
        figure(`RSS per agent in use, ${count(r.agents)} held open, ${d.driver}`, kb(r.rssPerAgentInUse), 'KB'),
        figure(`RSS of the process(es) with ${count(r.agents)} agents in use, ${d.driver}`, mb(r.rssTotal), 'MB'),
      );
      if (r.capped) notes.push(`${d.driver}, ${count(r.requested)} agents asked: ${r.capped}.`);
      if (r.rssExtrapolated !== undefined) {
        figures.push(
          figure(
            `RSS with ${count(r.requested)} agents in use, extrapolated from ${count(r.agents)}, ${d.driver}`,
            mb(r.rssExtrapolated),
            'MB',
          ),
        );
        notes.push(
          `${d.driver}: RSS extrapolated to ${count(r.requested)} agents in use: ${mb(r.rssExtrapolated).toLocaleString('en-US')} MB.`,
        );
      }
      if (r.processes > 1) {
        notes.push(
          `${d.driver}: ${count(r.agents)} agents held over ${r.processes} processes (open-files limit ${r.fdLimit ?? '?'}, ${r.fdsPerAgent ?? '?'} per agent).`,
        );
      }
      if (r.error) notes.push(`${d.driver}, ${count(r.requested)} agents: ${r.error}`);
    }
  }
  const counts = [...new Set(drivers.flatMap((d) => d.resident.map((r) => r.requested)))].sort((a, b) => a - b);
  const caches = ['warm', 'evicted'] as const;
  return {
    id: 'scale',
    title: `Scale: ${n} agents per driver, 3-5 memories each (embedder ${json.embedder.id})`,
    command,
    figures,
    tables: [
      {
        title: 'Cold open + first recall (ms)',
        header: [
          'driver',
          'page cache',
          'sample',
          'open p50',
          'open p99',
          'first recall p50',
          'first recall p99',
          'total p50',
          'total p99',
          'warm recall p50',
        ],
        rows: drivers.flatMap((d) => d.cold.map((c) => coldCells(d.driver, c))),
      },
      {
        title: 'Agents held open at once',
        header: ['driver', 'asked', 'held', 'processes', 'RSS total MB', 'baseline MB', 'KB/agent opened', 'KB/agent in use', 'fds/agent'],
        rows: drivers.flatMap((d) =>
          d.resident.map((r) => [
            d.driver,
            r.requested,
            r.agents,
            r.processes,
            mb(r.rssTotal),
            mb(r.rssBaseline),
            kb(r.rssPerAgentOpen),
            kb(r.rssPerAgentInUse),
            r.fdsPerAgent,
          ]),
        ),
      },
    ],
    charts: [
      {
        file: 'report-scale-cold.svg',
        title: 'Cold open + first recall p50',
        svg: groupedBarChart(
          drivers.map((d) => ({
            label: d.driver,
            values: [coreCold(d.driver)?.totalMs.p50, ...caches.map((cache) => d.cold.find((c) => c.cache === cache)?.totalMs.p50)],
          })),
          {
            title: 'Cold open + first recall p50',
            unit: 'ms',
            series: [
              `bench-core fleet${coreCold(drivers[0]?.driver ?? '') ? ` (${count(coreCold(drivers[0]!.driver)!.agents)})` : ''}`,
              `${n} agents, warm cache`,
              `${n} agents, evicted cache`,
            ],
            lines: drivers.flatMap((d) => {
              const target = coldTarget(d.driver);
              return target ? [{ label: `target, ${d.driver}`, value: target.value, color: '#e15759' }] : [];
            }),
          },
        ),
      },
      {
        file: 'report-scale-rss.svg',
        title: 'Resident memory per agent in use',
        svg: groupedBarChart(
          drivers.map((d) => ({
            label: d.driver,
            values: counts.map((c) => {
              const r = d.resident.find((x) => x.requested === c);
              return r ? kb(r.rssPerAgentInUse) : undefined;
            }),
          })),
          { title: 'RSS per agent in use', unit: 'KB', series: counts.map((c) => `${count(c)} agents asked`), format: (v) => v.toFixed(0) },
        ),
      },
      {
        file: 'report-scale-disk.svg',
        title: 'Disk per idle agent',
        svg: groupedBarChart(
          drivers.map((d) => ({ label: d.driver, values: d.disk ? [kb(d.disk.bytesPerAgent), kb(d.disk.allocatedPerAgent)] : [] })),
          { title: 'Disk per idle agent', unit: 'KB', series: ['apparent size', 'allocated blocks'], format: (v) => v.toFixed(0) },
        ),
      },
    ],
    notes,
  };
}
