/** Tables of agent.files (migration 2). */
import type { Migration } from '../schema.js';

export const FILES_MIGRATION: Migration = {
  version: 2,
  description: 'files',
  statements: () => [],
};
