/** Tables of agent.kv (migration 5). */
import type { Migration } from '../schema.js';

export const KV_MIGRATION: Migration = {
  version: 5,
  description: 'kv',
  statements: () => [],
};
