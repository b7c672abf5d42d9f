/**
 * The file tools: write, read, list, search and delete in the agent's own file system (a
 * virtual tree inside its database, never the host's). Core normalises and checks every path
 * ('..', NUL, backslashes are refused); importing or exporting host directories is not exposed.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import type { FileInfo } from '@engram/core';
import { when } from '../format.js';
import { MAX_REPLY_BYTES, formatBytes } from '../limits.js';
import { DESTRUCTIVE, READ_ONLY, addTool, checkReplyFits, type AgentRef } from '../tool-kit.js';

const path = z.string().describe('Absolute path inside the agent, like /notes/todo.md');

const fileOut = z.looseObject({
  path: z.string(),
  name: z.string(),
  type: z.enum(['file', 'directory']),
  size: z.number(),
  mime: z.string().nullable(),
  isText: z.boolean(),
  sha256: z.string().nullable(),
  createdAt: z.string(),
  modifiedAt: z.string(),
});

const entryLine = (e: FileInfo) =>
  e.type === 'directory' ? `- ${e.path}/` : `- ${e.path}  ${e.size} B  ${e.mime ?? ''}  modified ${when(e.modifiedAt)}`;

export function registerFileTools(server: McpServer, agent: AgentRef): void {
  addTool(
    server,
    'file_write',
    {
      title: 'Write a file',
      description:
        "Create or replace a text file in the agent's own file system (notes, drafts, documents to search later), or append to it. " +
        'Missing parent directories are created. Returns the file info.',
      input: z.strictObject({
        path,
        content: z.string().describe('The text to write'),
        append: z.boolean().optional().describe('Add to the end of the file instead of replacing it (default false)'),
        overwrite: z.boolean().optional().describe('false: fail if the file exists (default true)'),
      }),
      output: z.looseObject({ file: fileOut }),
      annotations: { ...DESTRUCTIVE, idempotentHint: false },
    },
    async ({ path: p, content, append, overwrite }) => {
      const { files } = await agent();
      const file = append
        ? await files.appendFile(p, content, { parents: true })
        : await files.writeFile(p, content, { parents: true, overwrite });
      return { text: `${append ? 'Appended to' : 'Wrote'} ${file.path} (${file.size} bytes, ${file.mime}).`, data: { file } };
    },
  );

  addTool(
    server,
    'file_read',
    {
      title: 'Read a file',
      description:
        'Read a text file of the agent, whole or only lines startLine..endLine (1-based, inclusive). Returns the text ' +
        `(once, as the result's text; the structured result says which lines and how many bytes). A part over ${formatBytes(MAX_REPLY_BYTES)} is refused: read large files in line ranges.`,
      input: z.strictObject({
        path,
        startLine: z.number().optional().describe('First line (default 1)'),
        endLine: z.number().optional().describe('Last line (default the last)'),
      }),
      output: z.looseObject({ path: z.string(), startLine: z.number(), lines: z.number(), bytes: z.number() }),
      annotations: READ_ONLY,
    },
    async ({ path: p, startLine, endLine }) => {
      const text = await (await agent()).files.readText(p, { startLine, endLine });
      const lines = text.length === 0 ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
      const first = startLine ?? 1;
      // The text goes out once (in content), so its escaped size is the reply's size.
      checkReplyFits(
        text,
        `read ${p} in parts with startLine / endLine (lines ${first}-${first + lines - 1} are ${formatBytes(Buffer.byteLength(text))})`,
      );
      return { text: text.length === 0 ? '(empty)' : text, data: { path: p, startLine: first, lines, bytes: Buffer.byteLength(text) } };
    },
  );

  addTool(
    server,
    'file_list',
    {
      title: 'List files',
      description:
        'List the entries of a directory of the agent (default /), or its whole subtree, optionally filtered by a glob such as *.md.',
      input: z.strictObject({
        path: path.optional().describe('Directory to list (default /)'),
        recursive: z.boolean().optional().describe('Whole subtree (default false)'),
        glob: z.string().optional().describe('Keep paths (relative to the directory) matching this glob'),
      }),
      output: z.looseObject({ entries: z.array(fileOut) }),
      annotations: READ_ONLY,
      askForLess: 'list one directory at a time, or narrow it with a glob',
    },
    async ({ path: p, recursive, glob }) => {
      const entries = await (await agent()).files.readdir(p, { recursive, glob });
      const head = `${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} in ${p ?? '/'}`;
      return { text: entries.length === 0 ? `${head}.` : `${head}:\n${entries.map(entryLine).join('\n')}`, data: { entries } };
    },
  );

  addTool(
    server,
    'file_search',
    {
      title: 'Search files',
      description:
        "Search the text of the agent's files by meaning and by words. Returns the best passages, each with its file path, line range and score.",
      input: z.strictObject({
        query: z.string().describe('What to look for'),
        limit: z.number().optional().describe('How many passages (default 10, at most 100)'),
        mode: z.enum(['hybrid', 'vector', 'text']).optional().describe('hybrid (default), vector (meaning) or text (words)'),
        path: path.optional().describe('Only files at or below this path'),
        glob: z.string().optional().describe('Only files whose path matches this glob'),
        minScore: z.number().optional().describe('Drop passages scoring below this'),
      }),
      output: z.looseObject({
        results: z.array(
          z.looseObject({ path: z.string(), startLine: z.number(), endLine: z.number(), text: z.string(), score: z.number() }),
        ),
      }),
      annotations: READ_ONLY,
      askForLess: 'pass a smaller limit',
    },
    async ({ query, ...options }) => {
      const results = await (await agent()).files.search(query, options);
      const text =
        results.length === 0
          ? 'No passages matched.'
          : results.map((r, i) => `${i + 1}. ${r.score.toFixed(3)} ${r.path}:${r.startLine}-${r.endLine}\n${r.text}`).join('\n\n');
      return { text, data: { results } };
    },
  );

  addTool(
    server,
    'file_delete',
    {
      title: 'Delete a file',
      description:
        'Delete a file or directory of the agent for good. A non-empty directory needs recursive: true. Returns how many entries were removed.',
      input: z.strictObject({
        path,
        recursive: z.boolean().optional().describe('Also delete everything below a directory (default false)'),
      }),
      output: z.looseObject({ removed: z.number() }),
      annotations: DESTRUCTIVE,
    },
    async ({ path: p, recursive }) => {
      const removed = await (await agent()).files.rm(p, { recursive });
      return { text: `Deleted ${removed} ${removed === 1 ? 'entry' : 'entries'} at ${p}.`, data: { removed } };
    },
  );
}
