/**
 * Chooses each table's text index once per engine: the engine's own full-text index where it
 * suits a store written one row at a time (the dialect offers one), Engram's term index
 * otherwise. Indexes are cached per dialect and table, so stores can ask on every call.
 */
import type { Dialect, EngineFullText, Queryable, SqlValue } from '../drivers/types.js';
import { TermIndex } from './term-index.js';
import type { Ranked, TextIndex, TextIndexSpec } from './text-index.js';

/** The engine keeps the index itself (its DDL creates triggers): add/remove have nothing to do. */
class EngineTextIndex implements TextIndex {
  readonly table: string;
  readonly fields: TextIndexSpec['fields'];

  constructor(
    private readonly engine: EngineFullText,
    spec: TextIndexSpec,
  ) {
    this.table = spec.table;
    this.fields = spec.fields;
  }

  ddl(): string[] {
    return this.engine.ddl(this.table, this.fields);
  }

  async rebuild(tx: Queryable): Promise<void> {
    for (const sql of this.engine.rebuild(this.table, this.fields)) await tx.exec(sql);
  }

  analyze(): undefined {
    return undefined;
  }

  async add(): Promise<void> {}

  async remove(): Promise<void> {}

  /** The engine keeps the index in step with the rows itself. */
  async reconcile(): Promise<number> {
    return 0;
  }

  async search(db: Queryable, terms: readonly string[], where: string, params: readonly SqlValue[], limit: number): Promise<Ranked[]> {
    if (terms.length === 0) return [];
    const rows = await db.all<{ id: number; score: number }>(this.engine.searchSql(this.table, 'm', this.fields, where, limit), [
      this.engine.query(terms),
      ...params,
    ]);
    return rows.map((r) => ({ id: Number(r.id), value: Number(r.score) }));
  }
}

const cache = new WeakMap<Dialect, Map<string, TextIndex>>();

/** The text index of `spec.table` on this engine. */
export function textIndex(dialect: Dialect, spec: TextIndexSpec): TextIndex {
  let byTable = cache.get(dialect);
  if (!byTable) cache.set(dialect, (byTable = new Map()));
  const key = `${spec.table}\0${JSON.stringify(spec.fields)}`;
  let index = byTable.get(key);
  if (!index) {
    index = dialect.fullText ? new EngineTextIndex(dialect.fullText, spec) : new TermIndex(spec.table, spec.fields);
    byTable.set(key, index);
  }
  return index;
}
