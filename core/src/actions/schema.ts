/** Tables of agent.actions (migration 3). */
import type { Migration } from '../schema.js';

export const ACTIONS_MIGRATION: Migration = {
  version: 3,
  description: 'actions',
  statements: () => [],
};
