/** `engram files ID ls|cat|put|rm|search`: the agent's virtual file system. */
import { readFile } from 'node:fs/promises';
import { EngramError, type FileInfo } from '@engram/core';
import { defineCommand, existingAgent, withEngram, type Command } from './context.js';
import { usageError } from './exit-codes.js';
import { bytes, table, when } from './output.js';
import { subcommand, usedStore } from './stores.js';

const SUBS = ['ls', 'cat', 'put', 'rm', 'search'] as const;

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const files = defineCommand({
  name: 'files',
  summary: "the agent's files: ls, cat, put, rm, search",
  usage: `Usage: engram files ID ls [PATH] [-r|--recursive] [--glob G]
       engram files ID cat PATH                 the content, bytes as stored (--json: text or base64)
       engram files ID put PATH [LOCAL_FILE]    from a local file, or stdin when LOCAL_FILE is - or left out
       engram files ID rm PATH [-r|--recursive] [-f|--force]
       engram files ID search "query" [--limit 10]`,
  options: {
    recursive: { type: 'boolean', short: 'r' },
    force: { type: 'boolean', short: 'f' },
    glob: { type: 'string' },
    limit: { type: 'string' },
  },
  async run(args, out) {
    const id = args.arg(0, 'agent ID');
    const sub = subcommand(args, SUBS);
    const c = out.c;
    const entryRow = (f: FileInfo) => [
      f.type === 'directory' ? 'dir' : 'file',
      f.type === 'directory' ? '-' : bytes(f.size),
      when(f.modifiedAt),
      f.type === 'directory' ? c.cyan(`${f.path}/`) : f.path,
    ];
    if (sub === 'put') {
      const path = args.arg(2, 'PATH');
      const local = args.positionals[3];
      args.noMoreThan(4);
      const data = local === undefined || local === '-' ? await readStdin() : await readFile(local);
      return withEngram(args, async (engram) => {
        const info = await (await engram.agent(id)).files.writeFile(path, data, { parents: true });
        if (out.json) out.data(info);
        else out.note(`wrote ${info.path} (${bytes(info.size)}${info.isText ? ', text: indexed for search' : ''})`);
      });
    }
    return withEngram(args, async (engram) => {
      const agent = await existingAgent(engram, id);
      const used = await usedStore(agent, 'files');
      if (sub === 'ls') {
        const path = args.positionals[2] ?? '/';
        args.noMoreThan(3);
        if (!used && path !== '/') throw new EngramError('NOT_FOUND', `${path} does not exist (agent ${id} has no files)`);
        const list = used ? await agent.files.readdir(path, { recursive: args.bool('recursive'), glob: args.str('glob') }) : [];
        if (out.json) return void out.data(list);
        if (list.length === 0) return void out.note('No files.');
        out.line(table(['TYPE', 'SIZE', 'MODIFIED', 'PATH'], list.map(entryRow), c));
      } else if (sub === 'cat') {
        const path = args.arg(2, 'PATH');
        args.noMoreThan(3);
        if (!used) throw new EngramError('NOT_FOUND', `file ${path} does not exist (agent ${id} has no files)`);
        const info = await agent.files.stat(path);
        if (info.type === 'directory') throw usageError(`${info.path} is a directory: use engram files ${id} ls ${info.path}`);
        const data = (await agent.files.readFile(path)) as Buffer;
        if (out.json) out.data({ ...info, ...(info.isText ? { text: data.toString('utf8') } : { base64: data.toString('base64') }) });
        else out.stdout.write(data);
      } else if (sub === 'rm') {
        const path = args.arg(2, 'PATH');
        args.noMoreThan(3);
        if (!used && !args.bool('force')) throw new EngramError('NOT_FOUND', `${path} does not exist (agent ${id} has no files)`);
        const removed = used ? await agent.files.rm(path, { recursive: args.bool('recursive'), force: args.bool('force') }) : 0;
        if (out.json) out.data({ path, removed });
        else out.note(`removed ${removed} entr${removed === 1 ? 'y' : 'ies'}`);
      } else {
        const query = args.arg(2, 'the query');
        args.noMoreThan(3);
        const results = used
          ? await agent.files.search(query, { limit: args.num('limit', { min: 1, max: 100, integer: true }) ?? 10 })
          : [];
        if (out.json) return void out.data(results);
        if (results.length === 0) return void out.note('No passages matched.');
        for (const r of results) {
          out.line(`${c.bold(r.score.toFixed(3))}  ${c.cyan(r.path)}:${r.startLine}-${r.endLine}`);
          for (const l of r.text.split('\n').slice(0, 6)) out.line(`    ${l}`);
        }
      }
    });
  },
});

export const FILE_COMMANDS: Command[] = [files];
