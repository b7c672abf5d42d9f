/**
 * Migration 6: the change log that diff and merge read (see change-log.ts). Its triggers are
 * added when the first branch is made (change-log.ts `ensureTriggers`), so agents that never
 * branch do not pay for them on creation.
 */
import type { Migration } from '../schema/migration.js';
import { LOG_TABLE } from './tables.js';

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
  ],
};
