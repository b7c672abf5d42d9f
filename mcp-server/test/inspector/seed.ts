/** Test data for the inspector: an agent with something in every store, and a branch with changes. */
import type { Agent, Engram } from '@engram/core';

export interface SeedOptions {
  /** Extra filler memories (default 0). */
  filler?: number;
}

const FACTS = [
  { text: 'Alice prefers green tea in the morning', kind: 'preference', tags: ['alice', 'drinks'], source: 'chat' },
  { text: 'The quarterly report is due on Friday', kind: 'fact', tags: ['work'], source: 'calendar' },
  { text: 'Bob moved to Lisbon in March', kind: 'event', tags: ['bob'], source: 'chat' },
  { text: 'Always answer in British English', kind: 'instruction', tags: [], source: 'user' },
  { text: 'The staging database lives on db-2.internal', kind: 'fact', tags: ['infra'], source: 'runbook' },
];

/** Fills `id` with memories (one superseded), files, kv, tasks with dependencies, actions and a branch. */
export async function seedAgent(engram: Engram, id: string, options: SeedOptions = {}): Promise<Agent> {
  const agent = await engram.agent(id);
  const day = 86_400_000;
  const now = Date.now();
  const made = await agent.memories.remember(FACTS.map((f, i) => ({ ...f, validFrom: now - (FACTS.length - i) * 3 * day })));
  await agent.memories.remember({
    text: 'Alice switched to oolong tea',
    kind: 'preference',
    tags: ['alice', 'drinks'],
    supersedes: made[0]!.id,
  });
  for (let i = 0; i < (options.filler ?? 0); i += 500) {
    const batch = Array.from({ length: Math.min(500, options.filler! - i) }, (_, j) => ({
      text: `Filler note number ${i + j} about topic ${(i + j) % 37}`,
      kind: (i + j) % 3 === 0 ? 'event' : 'fact',
      validFrom: now - ((i + j) % 60) * day,
    }));
    await agent.memories.remember(batch);
  }
  await agent.files.writeFile(
    '/notes/plan.md',
    '# Plan\n\nMigrate the billing service to the new queue.\nThen retire the old cron jobs.\n',
    { parents: true },
  );
  await agent.files.writeFile('/notes/people.md', 'Alice: tea, mornings.\nBob: Lisbon.\n', { parents: true });
  await agent.files.writeFile('/readme.txt', 'Scratch space of the agent.\n');
  await agent.kv.set('settings.theme', { dark: true, font: 14 });
  await agent.kv.set('cursor', 42);
  const design = await agent.tasks.create({ title: 'Design the queue schema', priority: 2 });
  const build = await agent.tasks.create({ title: 'Build the consumer', dependsOn: [design.id] });
  await agent.tasks.create({ title: 'Retire the cron jobs', dependsOn: [build.id], assignee: 'ops' });
  const done = await agent.tasks.create({ title: 'Write the plan' });
  await agent.tasks.complete(done.id, { result: { file: '/notes/plan.md' } });
  const t = now - 3600_000;
  await agent.actions.record([
    { name: 'web_search', input: { q: 'queue' }, output: { hits: 3 }, runId: 'run-1', startedAt: t, durationMs: 320 },
    { name: 'file_write', input: { path: '/notes/plan.md' }, output: 'ok', runId: 'run-1', startedAt: t + 400, durationMs: 12 },
    {
      name: 'web_search',
      input: { q: 'cron' },
      error: { message: 'rate limited', code: 429 },
      runId: 'run-1',
      startedAt: t + 500,
      durationMs: 80,
    },
    { name: 'send_email', input: { to: 'bob' }, error: 'SMTP timeout', runId: 'run-2', startedAt: t + 900, durationMs: 5000 },
    { name: 'send_email', input: { to: 'alice' }, output: { id: 'm1' }, runId: 'run-2', startedAt: t + 6000, durationMs: 900 },
  ]);
  await agent.snapshots.create('before-experiment');
  await agent.branches.create('experiment');
  const branch = await agent.branches.open('experiment');
  await branch.files.writeFile(
    '/notes/plan.md',
    '# Plan\n\nMigrate the billing service to the new queue.\nKeep the cron jobs one more week.\nAnnounce it on Monday.\n',
  );
  await branch.memories.remember({ text: 'Carol joins the team in May', kind: 'event', tags: ['carol'] });
  await branch.kv.set('cursor', 43);
  return agent;
}
