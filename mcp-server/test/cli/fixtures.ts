/**
 * Realistic import files users migrate from, and an agent filled with every kind of data.
 * `memory.jsonl` is what the MCP reference memory server writes (one entity or relation a
 * line); the mem0 export is what `Memory.get_all()` returns.
 */
import { Engram, type DriverName } from '@engram/core';

export const MCP_MEMORY_JSONL = [
  {
    type: 'entity',
    name: 'default_user',
    entityType: 'person',
    observations: ['Lives in Lisbon', 'Works as a backend engineer', 'Allergic to peanuts', 'Prefers concise answers'],
  },
  { type: 'entity', name: 'Maria_Santos', entityType: 'person', observations: ['Sister of default_user', 'Plays the cello'] },
  { type: 'entity', name: 'Acme_Corp', entityType: 'organization', observations: ['Builds payment software', 'Headquartered in Porto'] },
  { type: 'entity', name: 'Project_Atlas', entityType: 'project', observations: [] },
  { type: 'relation', from: 'default_user', to: 'Acme_Corp', relationType: 'works_at' },
  { type: 'relation', from: 'default_user', to: 'Maria_Santos', relationType: 'is_sibling_of' },
  { type: 'relation', from: 'default_user', to: 'Project_Atlas', relationType: 'leads' },
]
  .map((l) => JSON.stringify(l))
  .join('\n');

/** Memories the MCP file becomes: one per observation, relation, and entity without observations. */
export const MCP_MEMORY_COUNT = 4 + 2 + 2 + 1 + 3;

export const MEM0_EXPORT = JSON.stringify(
  [
    {
      id: '892db2ae-06d9-49e5-8b3e-585ef9b85b8e',
      memory: 'Is a vegetarian and avoids dairy',
      hash: '814de7ba1e3d8ef1e2bd1e1b6c3a0e7a',
      metadata: { food: 'vegetarian' },
      categories: ['food', 'health'],
      created_at: '2024-07-20T01:50:33.123456-07:00',
      updated_at: '2024-07-20T01:50:33.123456-07:00',
      user_id: 'alice',
    },
    {
      id: '0e4e7a3c-1d2b-4c9e-9f7a-2b1c3d4e5f60',
      memory: 'Training for the Berlin marathon in September',
      hash: 'a1b2c3',
      metadata: null,
      categories: ['sports'],
      created_at: '2024-08-02T09:15:00.000000-07:00',
      updated_at: null,
      user_id: 'alice',
      agent_id: 'coach',
    },
    {
      id: '5f1d2c3b-4a59-4e8f-a7b6-c5d4e3f2a1b0',
      memory: 'Owns a golden retriever named Biscuit',
      hash: 'd4e5f6',
      metadata: {},
      created_at: '2024-09-10T12:00:00-07:00',
      user_id: 'bob',
    },
  ],
  null,
  2,
);

/** Opens `dir` with the CLI's default embedder, fills agent `id` with every kind of data, and closes it. */
export async function populate(dir: string, driver: DriverName, id: string): Promise<void> {
  const engram = await Engram.open({ dir, driver });
  try {
    const agent = await engram.agent(id);
    const m = agent.memories;
    const first = await m.remember({
      text: 'The user lives in Paris',
      context: 'onboarding chat',
      tags: ['home'],
      metadata: { speaker: 'user', confidence: 0.9 },
      importance: 0.8,
      source: 'chat-1',
      validFrom: '2024-03-01T10:00:00.000Z',
    });
    const second = await m.remember({ text: 'The user moved to Lyon', supersedes: first.id, validFrom: '2024-06-01T00:00:00.000Z' });
    await m.remember({ text: 'The user moved to Nice', supersedes: second.id, tags: ['home'] });
    await m.remember({ text: 'Prefers green tea over coffee', kind: 'preference', expiresAt: '2999-01-01T00:00:00.000Z' });
    await agent.files.mkdir('/archive/empty', { recursive: true });
    await agent.files.writeFile('/notes/plan.md', '# Plan\n\n- ship the CLI\n- write the README\n', { parents: true });
    await agent.files.writeFile('/data/blob.bin', Buffer.from([0, 255, 1, 254, 0, 13, 10, 128]), { parents: true });
    await agent.kv.set('user:prefs', { theme: 'dark', units: 'metric' });
    await agent.kv.set('session', 'token-123', { ttlMs: 3_600_000 });
    const research = await agent.tasks.create({ title: 'research', priority: 2, payload: { topic: 'cli' } });
    await agent.tasks.create({ title: 'write', dependsOn: [research.id], dueAt: '2030-01-01T00:00:00.000Z' });
    await agent.tasks.claim({ worker: 'w1', id: research.id, leaseMs: 60_000 });
    const root = await agent.actions.record({ name: 'plan', input: { goal: 'x' }, output: 'ok', durationMs: 12.5, runId: 'run-1' });
    await agent.actions.record({ name: 'search', input: ['q'], error: { message: 'timeout' }, parentId: (root as { id: string }).id });
  } finally {
    await engram.close();
  }
}
