/**
 * What users migrate from, read as memories to remember:
 * - the MCP reference memory server's `memory.jsonl` (a knowledge graph: one JSON object a
 *   line, `{"type":"entity","name","entityType","observations":[...]}` or
 *   `{"type":"relation","from","to","relationType"}`): each observation becomes a memory
 *   situated by its entity, each relation a `relation` memory, an entity without observations
 *   an `entity` memory;
 * - a mem0 export (a JSON list of memories, or `{ "results": [...] }` as `get_all` returns it,
 *   each with `memory`, `user_id` / `agent_id` / `run_id`, `metadata`, `categories`,
 *   `created_at`): each becomes a memory valid from its `created_at`, the ids kept in metadata.
 * `detectFormat` tells these and Engram's own export apart by their content.
 */
import { invalid } from '../util/errors.js';
import type { RememberInput } from '../memories/types.js';
import { EXPORT_FORMAT, type ExportRecord } from './format.js';

export type ImportFormat = 'engram' | 'mcp-memory' | 'mem0';

export type ParsedImport = { format: 'engram'; records: ExportRecord[] } | { format: 'mcp-memory' | 'mem0'; memories: RememberInput[] };

const TAG_MAX = 64;

function parseLines(text: string): { line: number; value: unknown }[] {
  const out: { line: number; value: unknown }[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line.length === 0) continue;
    try {
      out.push({ line: i + 1, value: JSON.parse(line) as unknown });
    } catch (err) {
      throw invalid(`line ${i + 1} is not JSON: ${(err as Error).message}`, { line: i + 1 });
    }
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Words of an identifier-like name: `works_at` -> `works at`. */
const words = (s: string) => s.replaceAll('_', ' ').trim();

/** Memories from the MCP reference memory server's knowledge graph lines. */
export function fromMcpMemory(lines: readonly { line: number; value: unknown }[]): RememberInput[] {
  const out: RememberInput[] = [];
  for (const { line, value } of lines) {
    if (!isObject(value)) throw invalid(`line ${line}: expected a JSON object`);
    const source = 'mcp-memory';
    if (value.type === 'entity') {
      const { name, entityType, observations } = value;
      if (typeof name !== 'string' || name.length === 0 || typeof entityType !== 'string') {
        throw invalid(`line ${line}: an entity needs a name and an entityType`);
      }
      if (observations !== undefined && (!Array.isArray(observations) || !observations.every((o) => typeof o === 'string'))) {
        throw invalid(`line ${line}: observations must be an array of strings`);
      }
      const tags = entityType.length > 0 && entityType.length <= TAG_MAX ? [entityType] : [];
      const metadata = { entity: name, entityType };
      const obs = ((observations as string[] | undefined) ?? []).filter((o) => o.trim().length > 0);
      if (obs.length === 0) out.push({ text: `${words(name)} is a ${words(entityType)}`, kind: 'entity', tags, metadata, source });
      for (const o of obs) out.push({ text: o, context: `${words(name)} (${words(entityType)})`, kind: 'fact', tags, metadata, source });
    } else if (value.type === 'relation') {
      const { from, to, relationType } = value;
      if (typeof from !== 'string' || typeof to !== 'string' || typeof relationType !== 'string') {
        throw invalid(`line ${line}: a relation needs from, to and relationType`);
      }
      out.push({
        text: `${words(from)} ${words(relationType)} ${words(to)}`,
        kind: 'relation',
        metadata: { from, to, relationType },
        source,
      });
    } else {
      throw invalid(`line ${line}: expected type "entity" or "relation", got ${JSON.stringify(value.type)}`);
    }
  }
  return out;
}

/** Memories from a mem0 export: a list of memories, or an object holding one under results / memories. */
export function fromMem0(data: unknown): RememberInput[] {
  const list = Array.isArray(data) ? data : isObject(data) ? (data.results ?? data.memories) : undefined;
  if (!Array.isArray(list)) throw invalid('a mem0 export must be a JSON list of memories, or an object with a "results" list');
  return list.map((m: unknown, i) => {
    if (!isObject(m)) throw invalid(`mem0 memory ${i + 1}: expected an object`);
    const text = m.memory ?? m.text ?? m.content;
    if (typeof text !== 'string' || text.trim().length === 0) throw invalid(`mem0 memory ${i + 1}: "memory" must be a non-empty string`);
    if (m.metadata !== undefined && m.metadata !== null && !isObject(m.metadata))
      throw invalid(`mem0 memory ${i + 1}: metadata must be an object`);
    const metadata: Record<string, unknown> = { ...((m.metadata as Record<string, unknown> | null | undefined) ?? {}) };
    for (const [from, to] of [
      ['id', 'mem0_id'],
      ['user_id', 'user_id'],
      ['agent_id', 'agent_id'],
      ['run_id', 'run_id'],
    ] as const) {
      if (m[from] !== undefined && m[from] !== null) metadata[to] = m[from];
    }
    const input: RememberInput = { text, kind: 'fact', metadata, source: 'mem0' };
    const categories = m.categories;
    if (Array.isArray(categories))
      input.tags = categories.filter((c): c is string => typeof c === 'string' && c.length > 0 && c.length <= TAG_MAX);
    const created = m.created_at ?? m.createdAt;
    if (typeof created === 'string' || typeof created === 'number') {
      const ms = typeof created === 'number' ? created : Date.parse(created);
      if (!Number.isFinite(ms)) throw invalid(`mem0 memory ${i + 1}: created_at ${JSON.stringify(created)} is not a time`);
      input.validFrom = ms;
    }
    return input;
  });
}

/**
 * Reads an import file's text: Engram's export (JSONL with a header), the MCP memory server's
 * graph (JSONL of entities and relations) or a mem0 export (one JSON document).
 * @example
 * const parsed = parseImport(await readFile('memory.jsonl', 'utf8'));
 */
export function parseImport(text: string): ParsedImport {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw invalid('the import file is empty');
  if (trimmed.startsWith('[')) return { format: 'mem0', memories: fromMem0(parseJson(trimmed)) };
  const lines = parseLines(text);
  const first = lines[0]!.value;
  if (lines.length === 1 || (isObject(first) && first.type === undefined)) {
    // One JSON document over one or more lines: a mem0 export.
    const doc = lines.length === 1 ? first : parseJson(trimmed);
    if (isObject(doc) && (doc.type === 'entity' || doc.type === 'relation'))
      return { format: 'mcp-memory', memories: fromMcpMemory(lines) };
    if (isObject(doc) && doc.type === 'header' && doc.format === EXPORT_FORMAT)
      return { format: 'engram', records: [doc as unknown as ExportRecord] };
    return { format: 'mem0', memories: fromMem0(doc) };
  }
  if (isObject(first) && first.type === 'header' && first.format === EXPORT_FORMAT) {
    return { format: 'engram', records: lines.map((l) => l.value as ExportRecord) };
  }
  if (isObject(first) && (first.type === 'entity' || first.type === 'relation'))
    return { format: 'mcp-memory', memories: fromMcpMemory(lines) };
  throw invalid('unrecognised import file: expected an Engram export, an MCP memory server memory.jsonl, or a mem0 export (JSON)');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw invalid(`the import file is not JSON: ${(err as Error).message}`);
  }
}
