/** Tables of agent.tasks (migration 4). */
import type { Migration } from '../schema.js';

export const TASKS_MIGRATION: Migration = {
  version: 4,
  description: 'tasks',
  statements: () => [],
};
