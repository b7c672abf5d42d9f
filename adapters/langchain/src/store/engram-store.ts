/**
 * `EngramStore`: LangGraph's long-term memory store (BaseStore) in an agent's database.
 * Items live in `lc_store_items` by (namespace, key); each indexed field of an item has a vector
 * in `lc_store_vectors`, ranked by the engine's cosine distance with the namespace and value
 * filters in the same query, before limit and offset.
 */
import { EngramError, FunctionEmbedder, keyedId, vectorToBlob, type Agent, type Embedder } from '@engram/core';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import {
  BaseStore,
  type GetOperation,
  type Item,
  type ListNamespacesOperation,
  type Operation,
  type OperationResults,
  type PutOperation,
  type SearchItem,
  type SearchOperation,
} from '@langchain/langgraph-checkpoint';
import { withTables, type AgentState, type Queryable, type SqlValue } from '../agent-tables.js';
import { invalid } from '../errors.js';
import { jsonFilterSql } from '../json-filter.js';
import { compareNamespaces, decodeNamespace, encodeNamespace, literalPrefix, matches, namespacePrefixSql } from './namespaces.js';
import { STORE_SCHEMA } from './schema.js';
import { checkPaths, textsAtPaths } from './text-paths.js';
import { fromLangChainEmbeddings } from '../embeddings.js';

/** Semantic search settings (LangGraph's IndexConfig; every field optional here). */
export interface EngramStoreIndexConfig {
  /** Default: the agent's own embedder. */
  embeddings?: EmbeddingsInterface;
  /** Size of the embeddings' vectors (required with `embeddings`; default the agent embedder's). */
  dims?: number;
  /** Paths of the value to embed (default `['$']`: the whole value as JSON). */
  fields?: string[];
}

export interface EngramStoreOptions {
  agent: Agent;
  /** Semantic search: on by default with the agent's embedder; `false` turns it off. */
  index?: EngramStoreIndexConfig | false;
}

/** Size limits of one item. */
export const STORE_LIMITS = { maxKeyLength: 1024, maxValueBytes: 1024 * 1024 } as const;

interface ItemRow {
  id: number;
  namespace: string;
  key: string;
  value: string;
  created_at: number;
  updated_at: number;
  d?: number;
}

interface Index {
  documents: Embedder;
  queries: Embedder;
  dims: number;
  fields: string[];
}

const ITEM_COLUMNS = 'i.id, i.namespace, i.key, i.value, i.created_at, i.updated_at';

function toItem(row: ItemRow): Item {
  return {
    namespace: decodeNamespace(row.namespace),
    key: row.key,
    value: JSON.parse(row.value) as Record<string, unknown>,
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key.length > STORE_LIMITS.maxKeyLength) {
    throw invalid(`item keys must be strings of at most ${STORE_LIMITS.maxKeyLength} characters`);
  }
  return key;
}

/**
 * Items in InMemoryStore's order: by namespace (first stored first), then as first put. Ids
 * come from the key (see applyPuts), so the order is the creation time, which putTime() keeps
 * strictly increasing.
 */
const INSERTION_ORDER = '(SELECT min(n.created_at) FROM lc_store_items n WHERE n.namespace = i.namespace), i.created_at, i.id';

function checkCount(value: unknown, name: string, min: number, max: number): number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw invalid(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value as number;
}

function makeIndex(agent: Agent, config: EngramStoreIndexConfig | false | undefined): Index | undefined {
  if (config === false) return undefined;
  const { embeddings, dims, fields = ['$'] } = config ?? {};
  if (embeddings !== undefined && dims === undefined)
    throw invalid('index.dims is required with index.embeddings: the size of its vectors');
  checkPaths(fields, 'index.fields');
  if (embeddings === undefined) {
    if (dims !== undefined && dims !== agent.embedder.dims) {
      throw invalid(`index.dims is ${dims}, but the agent's embedder ${agent.embedder.id} makes ${agent.embedder.dims}-dimension vectors`);
    }
    return { documents: agent.embedder, queries: agent.embedder, dims: agent.embedder.dims, fields };
  }
  const options = { id: 'langgraph-store-index', dims: dims! };
  return {
    documents: fromLangChainEmbeddings(embeddings, options),
    queries: new FunctionEmbedder((texts) => Promise.all(texts.map((t) => embeddings.embedQuery(t))), options),
    dims: dims!,
    fields,
  };
}

/** One put after validation: the encoded namespace, the JSON, the texts to embed. */
interface PreparedPut {
  namespace: string;
  key: string;
  json: string | null;
  texts: { field: string; text: string }[];
}

/**
 * LangGraph's BaseStore over an Engram agent, with semantic search.
 * @example
 * const store = new EngramStore({ agent }); // semantic search with the agent's embedder
 * await store.put(['users', 'alice', 'memories'], 'tea', { text: 'Alice prefers green tea' });
 * const [hit] = await store.search(['users', 'alice'], { query: 'what does Alice drink?', limit: 3 });
 */
let lastPutTime = 0;
/**
 * The time of one put: the clock, but later than the previous put's, so items keep the order
 * they were put in even within one millisecond (item ids come from their key, see applyPuts,
 * and do not follow insertion order).
 */
function putTime(): number {
  lastPutTime = Math.max(Date.now(), lastPutTime + 1);
  return lastPutTime;
}

export class EngramStore extends BaseStore {
  readonly agent: Agent;
  private readonly index: Index | undefined;

  constructor(options: EngramStoreOptions) {
    super();
    if (typeof options?.agent?.use !== 'function') throw invalid('EngramStore needs { agent }: an agent from engram.agent(id)');
    this.agent = options.agent;
    this.index = makeIndex(options.agent, options.index);
  }

  /**
   * Runs operations in order of kind: gets, searches and namespace listings first (they see
   * the store as it was before the batch), then every put and delete in one transaction (the
   * last put of a key wins).
   */
  async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    if (!Array.isArray(operations)) throw invalid('batch() takes an array of operations');
    const puts = new Map<string, PreparedPut>();
    for (const op of operations) {
      if (typeof op !== 'object' || op === null) throw invalid('each operation must be an object');
      if ('value' in op) {
        const put = this.preparePut(op as PutOperation);
        puts.set(`${put.namespace}\u0000${put.key}`, put);
      }
    }
    const results: unknown[] = [];
    for (const op of operations) {
      if ('namespacePrefix' in op) results.push(await this.searchOp(op));
      else if ('matchConditions' in op || 'maxDepth' in op) results.push(await this.listNamespacesOp(op));
      else if ('value' in op) results.push(undefined);
      else if ('key' in op && 'namespace' in op) results.push(await this.getOp(op));
      else throw invalid('unknown store operation: expected a get, search, put or listNamespaces operation');
    }
    if (puts.size > 0) await this.applyPuts([...puts.values()]);
    return results as OperationResults<Op>;
  }

  private async getOp(op: GetOperation): Promise<Item | null> {
    const namespace = encodeNamespace(op.namespace, 'read');
    const key = checkKey(op.key);
    const row = await withTables(this.agent, STORE_SCHEMA, (s) =>
      s.conn.get<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM lc_store_items i WHERE i.namespace = ? AND i.key = ?`, [namespace, key]),
    );
    return row ? toItem(row) : null;
  }

  private preparePut(op: PutOperation): PreparedPut {
    const namespace = encodeNamespace(op.namespace, op.value === null ? 'read' : 'write');
    const key = checkKey(op.key);
    if (op.value === null) return { namespace, key, json: null, texts: [] };
    if (typeof op.value !== 'object' || Array.isArray(op.value))
      throw invalid('an item value must be a JSON object (or null to delete the item)');
    let json: string;
    try {
      json = JSON.stringify(op.value);
    } catch (err) {
      throw new EngramError('INVALID_ARGUMENT', 'an item value must be JSON-serialisable (no cycles, no BigInt)', { cause: err });
    }
    const bytes = Buffer.byteLength(json);
    if (bytes > STORE_LIMITS.maxValueBytes) {
      throw new EngramError('LIMIT_EXCEEDED', `item value is ${bytes} bytes as JSON; the limit is ${STORE_LIMITS.maxValueBytes}`);
    }
    if (op.index !== undefined && op.index !== null && op.index !== false) checkPaths(op.index, 'put index');
    const paths = op.index === false || !this.index ? [] : (op.index ?? this.index.fields);
    return { namespace, key, json, texts: textsAtPaths(op.value, paths) };
  }

  /** Embeds every text once, then writes all puts and deletes in one transaction. */
  private async applyPuts(puts: PreparedPut[]): Promise<void> {
    const unique = [...new Set(puts.flatMap((p) => p.texts.map((t) => t.text)))];
    const vectors = new Map<string, Buffer>();
    if (unique.length > 0 && this.index) {
      const embedded = await this.index.documents.embed(unique);
      unique.forEach((text, i) => vectors.set(text, vectorToBlob(embedded[i]!)));
    }
    const dims = this.index?.dims ?? 0;
    await withTables(this.agent, STORE_SCHEMA, (s) => {
      const { blob } = s.conn.dialect;
      return s.conn.transaction(async (tx) => {
        for (const put of puts) {
          await tx.run('DELETE FROM lc_store_vectors WHERE item_id IN (SELECT id FROM lc_store_items WHERE namespace = ? AND key = ?)', [
            put.namespace,
            put.key,
          ]);
          if (put.json === null) {
            await tx.run('DELETE FROM lc_store_items WHERE namespace = ? AND key = ?', [put.namespace, put.key]);
            continue;
          }
          const at = putTime();
          const row = await tx.get<{ id: number }>(
            `INSERT INTO lc_store_items (id, namespace, key, value, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at RETURNING id`,
            // The id comes from (namespace, key): replicas of a synced agent that put the same key make one row.
            [keyedId(JSON.stringify(['lc_store', put.namespace, put.key])), put.namespace, put.key, put.json, at, at],
          );
          for (const { field, text } of put.texts) {
            await tx.run(`INSERT OR REPLACE INTO lc_store_vectors (item_id, field, dims, embedding) VALUES (?, ?, ?, ${blob.sql('?')})`, [
              row!.id,
              field,
              dims,
              blob.value(vectors.get(text)!),
            ]);
          }
        }
      });
    });
  }

  private async searchOp(op: SearchOperation): Promise<SearchItem[]> {
    const prefix = namespacePrefixSql('i.namespace', encodeNamespace(op.namespacePrefix ?? [], 'prefix'));
    const limit = checkCount(op.limit ?? 10, 'limit', 0, Number.MAX_SAFE_INTEGER);
    const offset = checkCount(op.offset ?? 0, 'offset', 0, Number.MAX_SAFE_INTEGER);
    const filter = jsonFilterSql('i.value', op.filter, { nested: true, where: 'store search' });
    const where = [prefix.condition, ...filter.conditions].join(' AND ');
    const params = [...prefix.params, ...filter.params];
    if (op.query !== undefined && op.query !== null && typeof op.query !== 'string') throw invalid('search query must be a string');
    if (limit === 0) return [];
    // Without an index a query cannot rank anything: results come unscored, as from InMemoryStore.
    const query = this.index && op.query ? op.query : undefined;
    const queryBlob = query === undefined ? undefined : vectorToBlob((await this.index!.queries.embed([query]))[0]!);
    return withTables(this.agent, STORE_SCHEMA, async (s) => {
      if (queryBlob === undefined) {
        const rows = await s.conn.all<ItemRow>(
          `SELECT ${ITEM_COLUMNS} FROM lc_store_items i WHERE ${where} ORDER BY ${INSERTION_ORDER} LIMIT ${limit} OFFSET ${offset}`,
          params,
        );
        return rows.map(toItem);
      }
      return this.rankedSearch(s, queryBlob, where, params, limit, offset);
    });
  }

  /** Items with vectors by their best field's similarity, then those without, in insertion order. */
  private async rankedSearch(
    s: AgentState,
    query: Buffer,
    where: string,
    params: SqlValue[],
    limit: number,
    offset: number,
  ): Promise<SearchItem[]> {
    const dims = this.index!.dims;
    const distance = s.conn.dialect.cosineDistance('v.embedding', '?1');
    const scored = await s.conn.all<ItemRow>(
      `SELECT ${ITEM_COLUMNS}, r.d AS d FROM (
         SELECT v.item_id AS item_id, min(${distance}) AS d FROM lc_store_vectors v JOIN lc_store_items i ON i.id = v.item_id
         WHERE v.dims = ? AND ${where} GROUP BY v.item_id
       ) r JOIN lc_store_items i ON i.id = r.item_id ORDER BY r.d, ${INSERTION_ORDER} LIMIT ${limit} OFFSET ${offset}`,
      [query, dims, ...params],
    );
    const results: SearchItem[] = scored.map((row) => ({ ...toItem(row), score: 1 - Number(row.d) }));
    if (results.length === limit) return results;
    const unscoredOffset = Math.max(0, offset - (await countScored(s.conn, dims, where, params)));
    const rest = await s.conn.all<ItemRow>(
      `SELECT ${ITEM_COLUMNS} FROM lc_store_items i WHERE ${where}
       AND NOT EXISTS (SELECT 1 FROM lc_store_vectors v WHERE v.item_id = i.id AND v.dims = ?)
       ORDER BY ${INSERTION_ORDER} LIMIT ${limit - results.length} OFFSET ${unscoredOffset}`,
      [...params, dims],
    );
    return [...results, ...rest.map(toItem)];
  }

  private async listNamespacesOp(op: ListNamespacesOperation): Promise<string[][]> {
    const conditions = op.matchConditions ?? [];
    if (!Array.isArray(conditions)) throw invalid('matchConditions must be an array');
    for (const c of conditions) {
      if (c?.matchType !== 'prefix' && c?.matchType !== 'suffix') throw invalid('a match condition needs matchType "prefix" or "suffix"');
      if (!Array.isArray(c.path) || !c.path.every((l) => typeof l === 'string' && l.length > 0))
        throw invalid('a match condition path is an array of labels');
    }
    const maxDepth =
      op.maxDepth === undefined || op.maxDepth === null ? undefined : checkCount(op.maxDepth, 'maxDepth', 0, Number.MAX_SAFE_INTEGER);
    const limit = checkCount(op.limit ?? Number.MAX_SAFE_INTEGER, 'limit', 0, Number.MAX_SAFE_INTEGER);
    const offset = checkCount(op.offset ?? 0, 'offset', 0, Number.MAX_SAFE_INTEGER);
    const prefix = namespacePrefixSql('namespace', literalPrefix(conditions));
    const rows = await withTables(this.agent, STORE_SCHEMA, (s) =>
      s.conn.all<{ namespace: string }>(`SELECT DISTINCT namespace FROM lc_store_items WHERE ${prefix.condition}`, prefix.params),
    );
    const found = new Map<string, string[]>();
    for (const { namespace } of rows) {
      const labels = decodeNamespace(namespace);
      if (!conditions.every((c) => matches(labels, c))) continue;
      const kept = maxDepth === undefined ? labels : labels.slice(0, maxDepth);
      found.set(kept.join('\u0000'), kept);
    }
    return [...found.values()].sort(compareNamespaces).slice(offset, offset + Math.min(limit, found.size));
  }
}

async function countScored(conn: Queryable, dims: number, where: string, params: SqlValue[]): Promise<number> {
  const row = await conn.get<{ n: number }>(
    `SELECT count(DISTINCT v.item_id) AS n FROM lc_store_vectors v JOIN lc_store_items i ON i.id = v.item_id WHERE v.dims = ? AND ${where}`,
    [dims, ...params],
  );
  return Number(row?.n ?? 0);
}
