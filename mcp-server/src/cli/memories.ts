/**
 * Memory commands: recall (with each hit's score parts and supersede chain), remember,
 * memories (a filtered list), forget (confirmed) and history.
 */
import { EngramError, type Memory, type RecallOptions, type RememberInput } from '@engram/core';
import { confirmOrRefuse } from './confirm.js';
import { defineCommand, existingAgent, withEngram, type Command } from './context.js';
import { usageError } from './exit-codes.js';
import { FILTER_HELP, FILTER_OPTIONS, filterOf, metaPairs } from './filters.js';
import { memoryBlock, recallBlock } from './render.js';

const recall = defineCommand({
  name: 'recall',
  summary: 'find memories by meaning and words, showing why each hit scored',
  usage: `Usage: engram recall ID "query" [--mode hybrid|vector|text] [--limit 10] [--min-score X] [filters]
           [--prefer KEY=VALUE]... [--prefer-tag T]... [--recency W] [--importance W] [--no-time-hints]
  Each hit shows its score and its parts: vector rank and cosine, text rank and BM25, the fused
  score, the time hint that boosted it, whether it matched --prefer, and its supersede chain.
${FILTER_HELP}`,
  options: {
    ...FILTER_OPTIONS,
    mode: { type: 'string' },
    limit: { type: 'string' },
    'min-score': { type: 'string' },
    prefer: { type: 'string', multiple: true },
    'prefer-tag': { type: 'string', multiple: true },
    recency: { type: 'string' },
    importance: { type: 'string' },
    'no-time-hints': { type: 'boolean' },
  },
  async run(args, out) {
    const id = args.arg(0, 'agent ID');
    const query = args.arg(1, 'the query');
    args.noMoreThan(2);
    const mode = args.str('mode') ?? 'hybrid';
    if (mode !== 'hybrid' && mode !== 'vector' && mode !== 'text')
      throw usageError(`--mode must be hybrid, vector or text, not ${JSON.stringify(mode)}`);
    const options: RecallOptions = { ...filterOf(args), mode, limit: args.num('limit', { min: 1, max: 200, integer: true }) ?? 10 };
    const minScore = args.num('min-score');
    if (minScore !== undefined) options.minScore = minScore;
    const prefer = args.strs('prefer');
    const preferTags = args.strs('prefer-tag');
    if (prefer.length > 0 || preferTags.length > 0) {
      options.prefer = {};
      if (prefer.length > 0) options.prefer.metadata = metaPairs(prefer, 'prefer');
      if (preferTags.length > 0) options.prefer.tags = preferTags;
    }
    const recency = args.num('recency', { min: 0, max: 1 });
    const importance = args.num('importance', { min: 0, max: 1 });
    if (recency !== undefined || importance !== undefined) options.weights = { recency, importance };
    if (args.bool('no-time-hints')) options.timeHints = false;
    return withEngram(args, async (engram) => {
      const agent = await existingAgent(engram, id);
      const results = await agent.memories.recall(query, options);
      const chains = await Promise.all(
        results.map((r) =>
          r.memory.supersedes || r.memory.supersededBy ? agent.memories.history(r.memory.id) : Promise.resolve([] as Memory[]),
        ),
      );
      if (out.json) {
        out.data({
          agent: id,
          query,
          mode,
          results: results.map((r, i) => ({ rank: i + 1, score: r.score, parts: r.parts, memory: r.memory, chain: chains[i] })),
        });
        return;
      }
      if (results.length === 0) return void out.note('No memories matched.');
      results.forEach((r, i) => {
        if (i > 0) out.line();
        for (const l of recallBlock(r, i + 1, chains[i]!, out.c)) out.line(l);
      });
    });
  },
});

const remember = defineCommand({
  name: 'remember',
  summary: 'store a memory (creates the agent if needed)',
  usage: `Usage: engram remember ID "text" [--kind fact] [--tag T]... [--meta KEY=VALUE]... [--context TEXT]
           [--importance 0..1] [--source S] [--valid-from TIME] [--ttl MS] [--supersedes MEMORY_ID]
  Prints the new memory's id (with --json: the memory).`,
  options: {
    kind: { type: 'string' },
    tag: { type: 'string', multiple: true },
    meta: { type: 'string', multiple: true },
    context: { type: 'string' },
    importance: { type: 'string' },
    source: { type: 'string' },
    'valid-from': { type: 'string' },
    ttl: { type: 'string' },
    supersedes: { type: 'string' },
  },
  async run(args, out) {
    const id = args.arg(0, 'agent ID');
    const text = args.arg(1, 'the text to remember');
    args.noMoreThan(2);
    const input: RememberInput = { text };
    const kind = args.str('kind');
    if (kind !== undefined) input.kind = kind;
    const tags = args.strs('tag');
    if (tags.length > 0) input.tags = tags;
    const meta = args.strs('meta');
    if (meta.length > 0) input.metadata = metaPairs(meta);
    const context = args.str('context');
    if (context !== undefined) input.context = context;
    const importance = args.num('importance', { min: 0, max: 1 });
    if (importance !== undefined) input.importance = importance;
    const source = args.str('source');
    if (source !== undefined) input.source = source;
    const validFrom = args.str('valid-from');
    if (validFrom !== undefined) input.validFrom = validFrom;
    const ttl = args.num('ttl', { min: 1 });
    if (ttl !== undefined) input.ttlMs = ttl;
    const supersedes = args.str('supersedes');
    if (supersedes !== undefined) input.supersedes = supersedes;
    return withEngram(args, async (engram) => {
      const memory = await (await engram.agent(id)).memories.remember(input);
      if (out.json) out.data(memory);
      else out.line(memory.id);
    });
  },
});

const memories = defineCommand({
  name: 'memories',
  summary: 'list memories, newest first, with filters',
  usage: `Usage: engram memories ID [--limit 50] [--offset 0] [--oldest] [filters]
${FILTER_HELP}`,
  options: { ...FILTER_OPTIONS, limit: { type: 'string' }, offset: { type: 'string' }, oldest: { type: 'boolean' } },
  async run(args, out) {
    const id = args.arg(0, 'agent ID');
    args.noMoreThan(1);
    const filter = filterOf(args);
    const limit = args.num('limit', { min: 1, max: 1000, integer: true }) ?? 50;
    const offset = args.num('offset', { min: 0, integer: true }) ?? 0;
    return withEngram(args, async (engram) => {
      const agent = await existingAgent(engram, id);
      const list = await agent.memories.list({ ...filter, limit, offset, order: args.bool('oldest') ? 'oldest' : 'newest' });
      const total = await agent.memories.count(filter);
      if (out.json) return void out.data({ agent: id, total, offset, memories: list });
      for (const m of list) for (const l of memoryBlock(m, out.c)) out.line(l);
      out.note(out.e.dim(`${list.length === 0 ? 'no memories' : `${offset + 1}-${offset + list.length}`} of ${total}`));
    });
  },
});

const forget = defineCommand({
  name: 'forget',
  summary: 'delete memories for good (asks first unless --yes)',
  usage: `Usage: engram forget ID MEMORY_ID [--yes]
       engram forget ID [filters] [--yes]       every memory matching the filters (superseded versions too)
       engram forget ID --all [--yes]           every memory of the agent
  Asks for confirmation on a terminal; without one, refuses (exit 5) unless --yes.
${FILTER_HELP}`,
  options: { ...FILTER_OPTIONS, yes: { type: 'boolean', short: 'y' }, all: { type: 'boolean' } },
  async run(args, out) {
    const id = args.arg(0, 'agent ID');
    args.noMoreThan(2);
    const memoryId = args.positionals[1];
    const filter = filterOf(args);
    const narrowing = Object.keys(filter).length > 0;
    if (memoryId !== undefined && (narrowing || args.bool('all'))) throw usageError('give a MEMORY_ID or filters (or --all), not both');
    if (memoryId === undefined && !narrowing && !args.bool('all'))
      throw usageError('give a MEMORY_ID, filters, or --all to forget every memory');
    return withEngram(args, async (engram) => {
      const agent = await existingAgent(engram, id);
      let question: string;
      if (memoryId !== undefined) {
        const memory = await agent.memories.get(memoryId);
        if (!memory) throw new EngramError('NOT_FOUND', `memory ${memoryId} does not exist in agent ${id} (or has expired)`);
        question = `Forget ${memoryId} ("${memory.text.slice(0, 60)}") of agent ${id}?`;
      } else {
        const n = await agent.memories.count({ includeSuperseded: true, ...filter });
        if (n === 0) {
          if (out.json) out.data({ agent: id, forgotten: 0 });
          else out.note('No memories match: nothing to forget.');
          return;
        }
        question = `Forget ${n} memor${n === 1 ? 'y' : 'ies'} of agent ${id}${narrowing ? ' matching the filters' : ''}?`;
        if (!args.bool('yes') && process.stderr.isTTY) {
          // Show the person what they are about to lose before asking.
          const sample = await agent.memories.list({ includeSuperseded: true, ...filter, limit: 5 });
          for (const m of sample) out.note(`  ${out.e.cyan(m.id)}  ${m.text.slice(0, 80)}`);
          if (n > sample.length) out.note(out.e.dim(`  … and ${n - sample.length} more`));
        }
      }
      await confirmOrRefuse(question, args.bool('yes'));
      const forgotten = await agent.memories.forget(memoryId ?? { ...filter, all: args.bool('all') || undefined });
      if (out.json) out.data({ agent: id, forgotten });
      else out.note(`Forgot ${forgotten} memor${forgotten === 1 ? 'y' : 'ies'}.`);
    });
  },
});

const history = defineCommand({
  name: 'history',
  summary: 'every version of a memory, oldest first',
  usage: `Usage: engram history ID MEMORY_ID`,
  async run(args, out) {
    const id = args.arg(0, 'agent ID');
    const memoryId = args.arg(1, 'MEMORY_ID');
    args.noMoreThan(2);
    return withEngram(args, async (engram) => {
      const chain = await (await existingAgent(engram, id)).memories.history(memoryId);
      if (out.json) return void out.data({ agent: id, versions: chain });
      chain.forEach((m, i) => {
        const lead = `${i + 1}. `;
        for (const l of memoryBlock(m, out.c, m.id === memoryId ? out.c.bold(lead) : lead)) out.line(l);
      });
    });
  },
});

export const MEMORY_COMMANDS: Command[] = [recall, remember, memories, forget, history];
