/**
 * Migration 6: the change log that diff and merge read (see change-log.ts), and its triggers
 * on every core table of user data. Tables of adapters, created later, get theirs when a
 * branch is made (change-log.ts `ensureTriggers`).
 */
import type { Migration } from '../schema.js';
import { LOG_TABLE, triggerDdl, UNITS } from './tables.js';

export const BRANCHES_MIGRATION: Migration = {
  version: 6,
  description: 'change log for branch diff and merge',
  statements: () => [
    // AUTOINCREMENT: sequence numbers are never reused, even after the log is trimmed or cleared.
    `CREATE TABLE IF NOT EXISTS ${LOG_TABLE} (
       seq INTEGER PRIMARY KEY AUTOINCREMENT,
       tbl TEXT NOT NULL,
       key TEXT NOT NULL,
       op TEXT NOT NULL
     )`,
    ...UNITS.filter((u) => !u.optional).flatMap((u) => triggerDdl(u).map((t) => t.sql)),
  ],
};
