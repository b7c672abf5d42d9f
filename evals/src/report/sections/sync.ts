/** Section of results/bench-sync.json (`npm run bench:sync`): replication between two replicas through a real sync server. */
import { figure, type Section } from '../section.js';

interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface SyncJson {
  quick?: boolean;
  lag?: { summary: Summary; writes: number; intervalMs: number; writesPerSecond: number };
  cost?: { memories: number; pushMs: number; pushBytes: number; pullMs: number; pullBytes: number }[];
  claim?: Summary;
  bootstrap?: { memories: number; openMs: number; remoteBytes: number; firstRecallMs: number; pullOneMs?: number[] };
}

export function syncSection(json: SyncJson, command: string): Section {
  const figures = [];
  const lag = json.lag;
  if (lag) {
    figures.push(figure(`replication lag p50 (sync every ${lag.intervalMs} ms, ${lag.writesPerSecond} writes/s)`, lag.summary.p50, 'ms'));
    figures.push(figure(`replication lag p99 (sync every ${lag.intervalMs} ms, ${lag.writesPerSecond} writes/s)`, lag.summary.p99, 'ms'));
  }
  const biggest = json.cost?.at(-1);
  if (biggest) {
    figures.push(figure(`push per memory (${biggest.memories} memories)`, biggest.pushBytes / biggest.memories / 1024, 'KB'));
    figures.push(figure(`push time per memory (${biggest.memories} memories)`, biggest.pushMs / biggest.memories, 'ms'));
    figures.push(figure(`pull per memory (${biggest.memories} memories)`, biggest.pullBytes / biggest.memories / 1024, 'KB'));
  }
  if (json.bootstrap) {
    figures.push(figure(`bootstrap of a ${json.bootstrap.memories.toLocaleString('en-US')}-memory agent`, json.bootstrap.openMs, 'ms'));
    const pulls = [...(json.bootstrap.pullOneMs ?? [])].sort((x, y) => x - y);
    if (pulls.length > 0) {
      figures.push(
        figure(
          `sync of one new memory into a ${json.bootstrap.memories.toLocaleString('en-US')}-memory replica (p50)`,
          pulls[Math.floor((pulls.length - 1) / 2)]!,
          'ms',
        ),
      );
    }
  }
  if (json.claim) figures.push(figure('task claim on a synced agent (p50)', json.claim.p50, 'ms'));
  return {
    id: 'sync',
    title: 'Sync: two replicas of one agent through tursodb --sync-server (loopback)',
    command,
    figures,
    tables: [
      {
        title: 'Push and pull cost (one sync after n single-memory writes)',
        header: ['memories', 'push ms', 'push KB', 'pull ms', 'pull KB'],
        rows: (json.cost ?? []).map((r) => [r.memories, r.pushMs, r.pushBytes / 1024, r.pullMs, r.pullBytes / 1024]),
      },
    ],
    charts: [],
    notes: [
      'Lag: from the write acknowledged on replica A to its first sighting on replica B, both syncing on the interval.',
      'A pushed memory is about 50 row changes (the row, its vector, its term postings and document counts); a pull moves pages.',
    ],
  };
}
