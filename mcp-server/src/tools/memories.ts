/**
 * The memory tools: remember, recall, list, update, forget and history, each one call on
 * `agent.memories`. Core validates every value (limits, ids, filters); the schemas here only
 * give types and tell the model what each field means.
 */
import { EngramError, type MetadataCondition, type RememberInput } from '@engram/core';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { memoryLine, memoryList, recallList } from '../format.js';
import { MAX_REMEMBER_BYTES, formatBytes } from '../limits.js';
import { ADDITIVE, DESTRUCTIVE, READ_ONLY, addTool, jsonBytes, optional, timeInput, type AgentRef } from '../tool-kit.js';

const memoryId = z.string().describe('A memory id (mem_...), as returned by the other memory tools');
const time = timeInput.describe('ISO 8601 time or epoch milliseconds');

/** Fields shared by remember and update. */
const memoryFields = {
  context: z.string().describe('Text that situates the memory (e.g. the question it answers); searched with it, shown apart'),
  kind: z.string().describe('fact (default), preference, event, instruction, or another lowercase word'),
  tags: z.array(z.string()).describe('Labels to filter by later'),
  metadata: z.record(z.string(), z.unknown()).describe('Any JSON object; filterable in recall and list'),
  importance: z.number().describe('0 to 1 (default 0.5); can weigh in recall'),
  source: z.string().describe('Where it came from: a conversation, tool or person'),
  validFrom: time.describe('When it became true (default now)'),
  ttlMs: z.number().describe('Forget automatically after this many milliseconds'),
};

/** The fields of one memory to remember, besides its text. */
const oneMemoryFields = {
  ...memoryFields,
  expiresAt: time.describe('Forget automatically at this time'),
  supersedes: memoryId.describe('Id of the memory this one replaces'),
};
const oneMemory = {
  text: z.string().describe('The memory, one self-contained statement'),
  ...optional(oneMemoryFields),
};

/** Filters shared by recall, list and forget (see core's MemoryFilter). */
const filterFields = {
  kinds: z.array(z.string()).describe('Only these kinds'),
  tags: z.array(z.string()).describe('Only memories carrying all of these tags'),
  // Core checks every operator and value; the cast only gives the handler core's type.
  metadata: (z.record(z.string(), z.unknown()) as unknown as z.ZodType<Record<string, MetadataCondition>>).describe(
    'key: value, or key: {$eq|$ne|$gt|$gte|$lt|$lte|$in|$nin|$exists: ...}; dotted keys reach nested objects',
  ),
  source: z.string().describe('Only memories from this source'),
  since: time.describe('Valid from this time on'),
  until: time.describe('Valid from before this time'),
};
const historyFields = {
  asOf: time.describe('What was current at this time'),
  includeSuperseded: z.boolean().describe('Also return facts that newer ones replaced (default false)'),
};

const memoryOut = z.looseObject({
  id: z.string(),
  text: z.string(),
  context: z.string().nullable().optional(),
  kind: z.string(),
  tags: z.array(z.string()),
  metadata: z.record(z.string(), z.unknown()),
  importance: z.number(),
  source: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  validFrom: z.string(),
  validTo: z.string().nullable(),
  expiresAt: z.string().nullable(),
  supersedes: z.string().nullable(),
  supersededBy: z.string().nullable(),
});
const rankOut = { rank: z.number() };
const scorePartsOut = z.looseObject({
  vector: z.looseObject({ similarity: z.number(), ...rankOut }).optional(),
  text: z.looseObject({ bm25: z.number(), ...rankOut }).optional(),
  fused: z.number().optional(),
  recency: z.number().optional(),
  importance: z.number().optional(),
  timeHint: z.string().optional(),
});
const memoriesOut = z.looseObject({ memories: z.array(memoryOut) });

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function registerMemoryTools(server: McpServer, agent: AgentRef): void {
  addTool(
    server,
    'memory_remember',
    {
      title: 'Remember',
      description:
        'Store memories in long-term memory: durable facts, user preferences, events, instructions. ' +
        'One memory: pass text and any of its fields ({ text: "...", kind: "preference", tags: [...] }). Several at once: pass memories: [{ text, ...fields }, ...] instead. ' +
        'Write each as a self-contained sentence. When a fact changes, pass supersedes: <old id> so the old one becomes history instead of a contradiction. ' +
        `A batch carries at most ${formatBytes(MAX_REMEMBER_BYTES)}. Returns the stored memories with their ids.`,
      input: z.strictObject({
        text: oneMemory.text
          .optional()
          .describe('One memory, one self-contained statement (with the fields below); or use memories for a batch'),
        ...optional(oneMemoryFields),
        memories: z
          .array(z.strictObject(oneMemory))
          .optional()
          .describe('Several memories, stored together (instead of text and its fields)'),
      }),
      output: memoriesOut,
      annotations: ADDITIVE,
    },
    async ({ memories, ...one }) => {
      const given = Object.entries(one).filter(([, v]) => v !== undefined);
      let batch: RememberInput[];
      if (memories !== undefined) {
        if (given.length > 0) {
          throw new EngramError(
            'INVALID_ARGUMENT',
            `pass either text with its fields (one memory) or memories (a batch), not both; got memories and ${given.map(([k]) => k).join(', ')}`,
          );
        }
        batch = memories;
      } else if (one.text !== undefined) {
        batch = [{ ...one, text: one.text }];
      } else {
        throw new EngramError(
          'INVALID_ARGUMENT',
          given.length > 0
            ? `text is missing: a memory needs text (got only ${given.map(([k]) => k).join(', ')})`
            : 'pass text (one memory, with its fields) or memories: [{ text, ... }] (a batch)',
        );
      }
      const bytes = jsonBytes(batch);
      if (bytes > MAX_REMEMBER_BYTES) {
        throw new EngramError(
          'LIMIT_EXCEEDED',
          `these memories are ${formatBytes(bytes)} as JSON, over the ${formatBytes(MAX_REMEMBER_BYTES)} one call may store: split them into several calls`,
        );
      }
      const saved = await (await agent()).memories.remember(batch);
      // The model wrote these texts: the reply names the ids with a short preview of each.
      return {
        text: `Remembered ${count(saved.length, 'memory', 'memories')}:\n${memoryList(saved, undefined, true)}`,
        data: { memories: saved },
      };
    },
  );

  addTool(
    server,
    'memory_recall',
    {
      title: 'Recall',
      description:
        'Search long-term memory by meaning and by words. Use it before answering anything that may depend on earlier conversations, the user, or past events. ' +
        'Returns the best matches, best first, each with its score, id, kind, date and tags. Current facts only unless asOf or includeSuperseded is given.',
      input: z.strictObject({
        query: z.string().describe('What to look for, in natural language or keywords'),
        limit: z.number().optional().describe('How many results (default 10, at most 200)'),
        mode: z
          .enum(['hybrid', 'vector', 'text'])
          .optional()
          .describe('hybrid (default): meaning and words; vector: meaning only; text: words only'),
        ...optional(filterFields),
        ...optional(historyFields),
        minScore: z.number().optional().describe('Drop results scoring below this'),
        timeHints: z
          .boolean()
          .optional()
          .describe('Times the query names ("in June", "on 3 May 2024", "last week") favour memories from then (default true)'),
        weights: z
          .strictObject({ recency: z.number().optional(), importance: z.number().optional() })
          .optional()
          .describe('Blend recency and importance into the score: each 0 to 1, summing below 1'),
      }),
      output: z.looseObject({
        results: z.array(z.looseObject({ score: z.number(), memory: memoryOut, parts: scorePartsOut })),
      }),
      annotations: READ_ONLY,
      askForLess: 'pass a smaller limit',
    },
    async ({ query, ...options }) => {
      const results = await (await agent()).memories.recall(query, options);
      return { text: recallList(results), data: { results } };
    },
  );

  addTool(
    server,
    'memory_list',
    {
      title: 'List memories',
      description:
        'Browse memories without a query, newest first by valid-from time, optionally filtered. ' +
        'Use it to review what is stored under a tag or kind; use memory_recall to search. Returns one page and the total that match.',
      input: z.strictObject({
        ...optional(filterFields),
        ...optional(historyFields),
        limit: z.number().optional().describe('Page size (default 50, at most 1000)'),
        offset: z.number().optional().describe('Skip this many (default 0)'),
        order: z.enum(['newest', 'oldest']).optional(),
      }),
      output: memoriesOut.extend({ total: z.number() }),
      annotations: READ_ONLY,
      askForLess: 'pass a smaller limit and page with offset',
    },
    async ({ limit, offset, order, ...filter }) => {
      const { memories } = await agent();
      const [page, total] = await Promise.all([memories.list({ ...filter, limit, offset, order }), memories.count(filter)]);
      const first = (offset ?? 0) + 1;
      const head = page.length === 0 ? `No memories here (${total} match).` : `Memories ${first}-${first + page.length - 1} of ${total}:`;
      return { text: page.length === 0 ? head : `${head}\n${memoryList(page)}`, data: { memories: page, total } };
    },
  );

  addTool(
    server,
    'memory_update',
    {
      title: 'Update a memory',
      description:
        'Correct a memory in place: only the fields given change (tags and metadata are replaced whole; a new text is re-embedded). ' +
        'To record that a fact changed over time, prefer memory_remember with supersedes, which keeps the history. Returns the updated memory.',
      input: z.strictObject({
        id: memoryId,
        text: z.string().optional().describe('New text'),
        ...optional(memoryFields),
        context: memoryFields.context.nullable().optional(),
        expiresAt: time.nullable().optional().describe('Forget at this time; null never expires'),
      }),
      output: z.looseObject({ memory: memoryOut }),
      annotations: DESTRUCTIVE,
    },
    async ({ id, ...patch }) => {
      const memory = await (await agent()).memories.update(id, patch);
      return { text: `Updated ${memoryLine(memory)}`, data: { memory } };
    },
  );

  addTool(
    server,
    'memory_forget',
    {
      title: 'Forget',
      description:
        'Delete memories for good: one by id, or every memory matching the filter fields (superseded versions included). ' +
        'A call with no id and no filter is refused unless all: true. Returns how many were deleted.',
      input: z.strictObject({
        id: memoryId.optional().describe('The memory to delete'),
        ...optional(filterFields),
        all: z.boolean().optional().describe('Required to delete every memory (no id, no filter)'),
      }),
      output: z.looseObject({ forgotten: z.number() }),
      annotations: DESTRUCTIVE,
    },
    async ({ id, all, ...filter }) => {
      const { memories } = await agent();
      let forgotten: number;
      if (id !== undefined) {
        if (all !== undefined || Object.values(filter).some((v) => v !== undefined)) {
          throw new EngramError('INVALID_ARGUMENT', 'memory_forget takes either an id or filter fields, not both');
        }
        forgotten = await memories.forget(id);
      } else {
        forgotten = await memories.forget({ ...filter, all });
      }
      return { text: `Forgot ${count(forgotten, 'memory', 'memories')}.`, data: { forgotten } };
    },
  );

  addTool(
    server,
    'memory_history',
    {
      title: 'Memory history',
      description: 'Every version of a fact, oldest first: the memories it superseded and those that superseded it. Returns the chain.',
      input: z.strictObject({ id: memoryId }),
      output: memoriesOut,
      annotations: READ_ONLY,
    },
    async ({ id }) => {
      const chain = await (await agent()).memories.history(id);
      return { text: `${count(chain.length, 'version', 'versions')}, oldest first:\n${memoryList(chain)}`, data: { memories: chain } };
    },
  );
}
