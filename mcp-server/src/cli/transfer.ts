/**
 * `engram export ID [--out FILE]`, `engram import ID FILE` and `engram reembed ID`. Export
 * writes Engram's JSONL (core's transfer format: everything the agent holds but its branches
 * and snapshots); import reads that, an MCP memory server `memory.jsonl` or a mem0 export. Both
 * show a progress bar on a terminal.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { resolve } from 'node:path';
import {
  EngramError,
  exportAgent,
  importAgent,
  parseImport,
  type Agent,
  type ImportFormat,
  type RecordCounts,
  type RememberInput,
} from '@engram/core';
import { defineCommand, existingAgent, withEngram, type Command } from './context.js';
import { usageError } from './exit-codes.js';
import { progressBar } from './progress.js';

const FORMATS = ['auto', 'engram', 'mcp-memory', 'mem0'] as const;

async function readInput(file: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new EngramError('NOT_FOUND', `import file ${file} does not exist`);
    throw new EngramError('IO', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

const exportCommand = defineCommand({
  name: 'export',
  summary: 'write everything an agent holds as JSONL (stdout or --out FILE)',
  usage: `Usage: engram export ID [--out FILE] [--force]
  One JSON record a line: a header, the memories (every version, supersede links, vectors with the
  embedder's id), directories, files (base64), kv entries (with expiry), tasks (with dependencies
  and state), actions, and an end record with the counts. Branches and snapshots are not exported.
  --out writes FILE (refusing an existing one unless --force) and shows progress on a terminal.`,
  options: { out: { type: 'string', short: 'o' }, force: { type: 'boolean' } },
  async run(args, out) {
    const id = args.arg(0, 'agent ID');
    args.noMoreThan(1);
    const file = args.str('out');
    const target = file === undefined || file === '-' ? undefined : resolve(file);
    if (target && existsSync(target) && !args.bool('force'))
      throw new EngramError('CONFLICT', `${target} already exists: pass --force to replace it`);
    return withEngram(args, async (engram) => {
      const agent = await existingAgent(engram, id);
      const bar = progressBar(`export ${id}`);
      const tmp = target ? `${target}.${process.pid}.tmp` : undefined;
      const stream = tmp ? createWriteStream(tmp) : out.stdout;
      let counts: RecordCounts | undefined;
      try {
        for await (const record of exportAgent(agent, { onProgress: (p) => bar.update(p.done, p.total) })) {
          if (record.type === 'end') counts = record.counts;
          if (!stream.write(`${JSON.stringify(record)}\n`)) await once(stream, 'drain');
        }
        if (tmp) {
          stream.end();
          await once(stream, 'finish');
          await rename(tmp, target!);
        }
      } catch (err) {
        if (tmp) {
          stream.destroy();
          await rm(tmp, { force: true });
        }
        throw err;
      } finally {
        bar.stop();
      }
      if (target) {
        const summary = { agent: id, file: target, counts };
        if (out.json) out.data(summary);
        else out.note(`exported agent ${id} to ${target}: ${describe(counts!)}`);
      }
    });
  },
});

function describe(counts: Partial<RecordCounts>): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => n && n > 0)
    .map(
      ([k, n]) =>
        `${n} ${k === 'memory' ? (n === 1 ? 'memory' : 'memories') : k === 'kv' ? `kv ${n === 1 ? 'key' : 'keys'}` : k === 'directory' ? (n === 1 ? 'directory' : 'directories') : `${k}${n === 1 ? '' : 's'}`}`,
    );
  return parts.length > 0 ? parts.join(', ') : 'nothing';
}

/** Remembers foreign memories in batches, all in one transaction. */
async function rememberAll(agent: Agent, memories: RememberInput[], update: (done: number, total: number) => void): Promise<number> {
  const batch = 200;
  await agent.tryInTransaction(async (tx) => {
    for (let i = 0; i < memories.length; i += batch) {
      await tx.memories.remember(memories.slice(i, i + batch));
      update(Math.min(i + batch, memories.length), memories.length);
    }
  });
  return memories.length;
}

const importCommand = defineCommand({
  name: 'import',
  summary: 'import an Engram export, an MCP memory.jsonl or a mem0 export',
  usage: `Usage: engram import ID FILE [--format auto|engram|mcp-memory|mem0]
  FILE is - for stdin. The format is recognised by content unless given:
    engram       this CLI's export: everything comes back with its ids, times and links (an id, key
                 or path the agent already holds refuses the whole import, exit 4)
    mcp-memory   the MCP reference memory server's memory.jsonl: each observation becomes a memory
                 (context: its entity), each relation a "relation" memory
    mem0         a JSON list of mem0 memories (or {"results": [...]}): user_id, agent_id, run_id and
                 the mem0 id go to metadata, categories to tags, created_at to the valid-from time
  Creates the agent if needed. The import lands whole or not at all.`,
  options: { format: { type: 'string' } },
  async run(args, out) {
    const id = args.arg(0, 'agent ID');
    const file = args.arg(1, 'FILE');
    args.noMoreThan(2);
    const format = args.str('format') ?? 'auto';
    if (!FORMATS.includes(format as never)) throw usageError(`--format must be one of ${FORMATS.join(', ')}`);
    const parsed = parseImport(await readInput(file));
    if (format !== 'auto' && parsed.format !== format) throw usageError(`${file} looks like the ${parsed.format} format, not ${format}`);
    return withEngram(args, async (engram) => {
      const existed = await engram.has(id);
      const agent = await engram.agent(id);
      const bar = progressBar(`import ${id}`);
      let result: { format: ImportFormat; counts: Partial<RecordCounts>; reembedded: number };
      try {
        if (parsed.format === 'engram') {
          const r = await importAgent(agent, parsed.records, {
            onProgress: (p) => bar.update(p.done, p.total, p.phase === 'embed' ? `embed ${id}` : `import ${id}`),
          });
          result = { format: 'engram', ...r };
        } else {
          const n = await rememberAll(agent, parsed.memories, (d, t) => bar.update(d, t));
          result = { format: parsed.format, counts: { memory: n }, reembedded: 0 };
        }
      } catch (err) {
        bar.stop();
        // Nothing was written (one transaction); an agent made only for this import goes too.
        if (!existed) await engram.delete(id);
        throw err;
      }
      bar.stop();
      if (out.json) out.data({ agent: id, ...result });
      else
        out.note(
          `imported ${describe(result.counts)} into agent ${id} (${result.format}${result.reembedded > 0 ? `, ${result.reembedded} re-embedded` : ''})`,
        );
    });
  },
});

const reembed = defineCommand({
  name: 'reembed',
  summary: "recompute an agent's vectors with this Engram's embedder",
  usage: `Usage: engram reembed ID
  The way out of EMBEDDER_MISMATCH (exit 7): every memory and file passage is embedded again
  with the current embedder, which then becomes the agent's.`,
  async run(args, out) {
    const id = args.arg(0, 'agent ID');
    args.noMoreThan(1);
    return withEngram(args, async (engram) => {
      if (!(await engram.has(id))) await existingAgent(engram, id);
      const bar = progressBar(`reembed ${id}`);
      let n: number;
      try {
        n = await engram.reembed(id, { onProgress: (p) => bar.update(p.done, p.total) });
      } finally {
        bar.stop();
      }
      if (out.json) out.data({ agent: id, embedded: n, embedder: { id: engram.embedder.id, dims: engram.embedder.dims } });
      else out.note(`re-embedded ${n} vectors of agent ${id} with ${engram.embedder.id}`);
    });
  },
});

export const TRANSFER_COMMANDS: Command[] = [exportCommand, importCommand, reembed];
