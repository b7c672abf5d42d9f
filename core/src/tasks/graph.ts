/**
 * Walks of the task graphs, one level per query: Turso has no recursive CTEs. Both run inside
 * the caller's transaction, so the graph cannot change under them.
 */
import type { Queryable } from '../drivers/types.js';

/**
 * The path by which `from` already depends (directly or not) on `to`, as ids from `from` to `to`,
 * or undefined. Adding the edge `to -> from` would close a cycle exactly when there is one.
 */
export async function dependencyPath(tx: Queryable, from: string, to: string): Promise<string[] | undefined> {
  const parent = new Map<string, string>();
  for (let frontier = [from]; frontier.length > 0;) {
    const rows = await tx.all<{ task_id: string; depends_on: string }>(
      // CAST: Turso 0.7 scans the table when a TEXT column meets a bare json_each value
      'SELECT task_id, depends_on FROM task_deps WHERE task_id IN (SELECT CAST(value AS TEXT) FROM json_each(?))',
      [JSON.stringify(frontier)],
    );
    frontier = [];
    for (const { task_id, depends_on } of rows) {
      if (depends_on === from || parent.has(depends_on)) continue;
      parent.set(depends_on, task_id);
      if (depends_on === to) {
        const path = [to];
        for (let id = to; id !== from;) path.unshift((id = parent.get(id)!));
        return path;
      }
      frontier.push(depends_on);
    }
  }
  return undefined;
}

/** Every subtask of `root`, at any depth (parents are set at creation, so there is no cycle). */
export async function subtasks(tx: Queryable, root: string): Promise<string[]> {
  const found: string[] = [];
  for (let frontier = [root]; frontier.length > 0;) {
    const rows = await tx.all<{ id: string }>('SELECT id FROM tasks WHERE parent_id IN (SELECT CAST(value AS TEXT) FROM json_each(?))', [
      JSON.stringify(frontier),
    ]);
    frontier = rows.map((r) => r.id);
    found.push(...frontier);
  }
  return found;
}
