/** Tasks: a board with a column per status, each card with its dependencies and their state. */
import { TASK_STATUSES, type Task } from '@engram/core';
import type { AgentContext, Reply } from '../context.js';
import { textParam } from '../context.js';
import { html, json, when, type Html } from '../html.js';
import { agentPath, layout } from '../layout.js';

const PER_COLUMN = 200;

function card(t: Task, known: Map<string, Task>): Html {
  const deps = t.dependsOn.map((id) => {
    const d = known.get(id);
    return html`<li>
      <a href="#task-${id}">${d ? d.title : id}</a> <span class="small status-${d?.status ?? 'unknown'}">${d?.status ?? 'not shown'}</span>
    </li>`;
  });
  const waiting = t.status === 'pending' && t.dependsOn.some((id) => known.get(id)?.status !== 'done');
  return html`<article class="task" id="task-${t.id}" tabindex="-1" aria-labelledby="title-${t.id}">
    <div id="title-${t.id}"><b>${t.title}</b></div>
    <div class="small muted">
      priority
      ${t.priority}${t.assignee ? ` · for ${t.assignee}` : ''}${t.worker ? ` · worker ${t.worker}` : ''}${t.dueAt ? ` · due ${when(t.dueAt)}` : ''}
    </div>
    ${waiting ? html`<div class="small warn">waiting on dependencies</div>` : ''}
    ${t.parentId ? html`<div class="small">subtask of <a href="#task-${t.parentId}">${known.get(t.parentId)?.title ?? t.parentId}</a></div>` : ''}
    ${
      deps.length
        ? html`<div class="small">
            depends on:
            <ul>
              ${deps}
            </ul>
          </div>`
        : ''
    }
    ${t.error ? html`<div class="small bad">${t.error}</div>` : ''}
    <details>
      <summary class="small">details</summary>
      <dl class="kv small">
        <dt>Id</dt>
        <dd><code>${t.id}</code></dd>
        <dt>Created</dt>
        <dd>${when(t.createdAt)}</dd>
        ${
          t.finishedAt
            ? html`<dt>Finished</dt>
                <dd>${when(t.finishedAt)}</dd>`
            : ''
        }
        <dt>Attempts</dt>
        <dd>${t.attempts} of ${t.maxAttempts}</dd>
        ${
          t.description
            ? html`<dt>Description</dt>
                <dd>${t.description}</dd>`
            : ''
        }
        ${
          t.payload !== null
            ? html`<dt>Payload</dt>
                <dd><pre class="light">${json(t.payload, 1500)}</pre></dd>`
            : ''
        }
        ${
          t.result !== null
            ? html`<dt>Result</dt>
                <dd><pre class="light">${json(t.result, 1500)}</pre></dd>`
            : ''
        }
      </dl>
    </details>
  </article>`;
}

/** GET /agents/<id>/tasks?assignee=… */
export async function tasksPage(c: AgentContext): Promise<Reply> {
  const { agentId } = c;
  const base = agentPath(agentId, 'tasks');
  const assignee = textParam(c.query, 'assignee', 256);
  const used = (await c.agent.storesInUse()).tasks;
  const columns = new Map<string, Task[]>();
  const known = new Map<string, Task>();
  for (const status of TASK_STATUSES) {
    const tasks = used ? await c.agent.tasks.list({ status, assignee, limit: PER_COLUMN }) : [];
    columns.set(status, tasks);
    for (const t of tasks) known.set(t.id, t);
  }
  // Dependencies and parents outside the board still show their state.
  const missing = new Set<string>();
  for (const t of known.values())
    for (const id of [...t.dependsOn, ...(t.parentId ? [t.parentId] : [])]) if (!known.has(id)) missing.add(id);
  for (const id of [...missing].slice(0, 200)) {
    const t = await c.agent.tasks.get(id);
    if (t) known.set(id, t);
  }
  const body = html`<h1>Tasks</h1>
    <form class="filters" method="get" action="${base}">
      <label>Assignee <input type="search" name="assignee" value="${assignee ?? ''}" /></label>
      <button type="submit" class="primary">Filter</button>
      ${assignee === undefined ? '' : html`<a href="${base}">Clear</a>`}
    </form>
    ${
      known.size === 0
        ? html`<p class="card muted">No tasks${assignee ? ' for this assignee' : ''}.</p>`
        : html`<div class="board">
            ${TASK_STATUSES.map((status) => {
              const tasks = columns.get(status)!;
              return html`<section aria-labelledby="col-${status}">
                <h2 id="col-${status}" class="status-${status}">
                  ${status} <span class="muted">(${tasks.length}${tasks.length === PER_COLUMN ? '+' : ''})</span>
                </h2>
                ${tasks.map((t) => card(t, known))}
              </section>`;
            })}
          </div>`
    }`;
  return { body: layout(c, { title: `Tasks · ${agentId}`, agentId, tab: 'tasks', body }) };
}
