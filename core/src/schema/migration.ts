/**
 * What a schema migration is: versioned DDL (and optional work beyond SQL) that moves an agent
 * database one step forward. Each store owns the migrations of its tables (its schema.ts);
 * schema/migrations.ts lists them in order and applies them.
 */
import type { Dialect, Queryable } from '../drivers/types.js';

export interface Migration {
  version: number;
  description: string;
  statements(dialect: Dialect): string[];
  /** Work that needs more than SQL, run after the statements in the same transaction. */
  run?(tx: Queryable, dialect: Dialect): Promise<void>;
  /**
   * Set for a sub-store's tables: they are created on the store's first use, not here.
   * `marker` is a table that exists exactly when they do.
   */
  store?: { name: string; marker: string };
}
