/**
 * Actions: stats per name with an error-rate chart, the log as a timeline (start time,
 * duration bar, status, error), filtered by name and status and paged; one run's trace tree
 * with depth.
 */
import type { Action, ActionStatus, TimelineEntry } from '@engram/core';
import { rateChart } from '../charts.js';
import type { AgentContext, Reply } from '../context.js';
import { intParam, textParam } from '../context.js';
import { count, href, html, json, when, type Html } from '../html.js';
import { agentPath, layout, pager } from '../layout.js';

const PAGE = 50;
const STATUSES: ActionStatus[] = ['ok', 'error', 'running'];

function ms(n: number | null): string {
  if (n === null) return '–';
  return n < 1000 ? `${n < 10 ? n.toFixed(1) : Math.round(n)} ms` : `${(n / 1000).toFixed(n < 10_000 ? 2 : 1)} s`;
}

/** A bar for the duration: on one time axis (start offset and length) for a run, else scaled to the longest. */
function durationBar(a: Action, scale: { max: number; start?: number; span?: number }): Html {
  const width = 160;
  let x = 0;
  let w: number;
  if (scale.start !== undefined && scale.span) {
    x = ((Date.parse(a.startedAt) - scale.start) / scale.span) * width;
    w = ((a.durationMs ?? 0) / scale.span) * width;
  } else {
    w = a.durationMs === null || scale.max <= 0 ? 0 : (a.durationMs / scale.max) * width;
  }
  w = Math.max(1, Math.min(w, width - x));
  return html`<svg class="timeline" width="${width + 4}" height="12" aria-hidden="true">
    <rect class="bar${a.status === 'error' ? ' error' : ''}" x="${x.toFixed(1)}" y="2" width="${w.toFixed(1)}" height="8" />
  </svg>`;
}

function rows(c: AgentContext, actions: readonly (Action | TimelineEntry)[], onOneAxis = false): Html {
  const max = Math.max(0, ...actions.map((a) => a.durationMs ?? 0));
  const start = Math.min(...actions.map((a) => Date.parse(a.startedAt)));
  const end = Math.max(...actions.map((a) => Date.parse(a.startedAt) + (a.durationMs ?? 0)));
  const scale = onOneAxis ? { max, start, span: Math.max(1, end - start) } : { max };
  const base = agentPath(c.agentId, 'actions');
  return html`<table>
    <thead>
      <tr>
        <th scope="col">Started</th>
        <th scope="col">Action</th>
        <th scope="col">Status</th>
        <th scope="col" class="num">Duration</th>
        <th scope="col"><span class="sr-only">Duration bar</span></th>
        <th scope="col">Run</th>
      </tr>
    </thead>
    <tbody>
      ${actions.map((a) => {
        const depth = 'depth' in a ? a.depth : 0;
        return html`<tr data-row>
          <td class="small">${when(a.startedAt)}</td>
          <td>
            ${depth ? html`<span class="muted">${'· '.repeat(depth)}</span>` : ''}
            <details>
              <summary class="open" id="${a.id}">${a.name}</summary>
              <dl class="kv small">
                <dt>Id</dt>
                <dd><code>${a.id}</code></dd>
                <dt>Input</dt>
                <dd><pre class="light">${json(a.input, 1500)}</pre></dd>
                ${
                  a.status === 'ok'
                    ? html`<dt>Output</dt>
                        <dd><pre class="light">${json(a.output, 1500)}</pre></dd>`
                    : ''
                }
                ${
                  a.taskId
                    ? html`<dt>Task</dt>
                        <dd><a href="${agentPath(c.agentId, 'tasks')}#task-${a.taskId}">${a.taskId}</a></dd>`
                    : ''
                }
              </dl>
            </details>
            ${a.error ? html`<div class="small bad">${a.error.name ? `${a.error.name}: ` : ''}${a.error.message}</div>` : ''}
          </td>
          <td class="status-${a.status}">${a.status}</td>
          <td class="num">${ms(a.durationMs)}</td>
          <td>${durationBar(a, scale)}</td>
          <td class="small">${a.runId ? html`<a href="${href(base, { run: a.runId })}">${a.runId}</a>` : ''}</td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

/** GET /agents/<id>/actions?name=…&status=…&run=…&offset=… */
export async function actionsPage(c: AgentContext): Promise<Reply> {
  const { agentId } = c;
  const base = agentPath(agentId, 'actions');
  const used = (await c.agent.storesInUse()).actions;
  const name = textParam(c.query, 'name', 256);
  const statusParam = c.query.get('status');
  const status = STATUSES.includes(statusParam as ActionStatus) ? (statusParam as ActionStatus) : undefined;
  const run = textParam(c.query, 'run', 256);
  const offset = intParam(c.query, 'offset', 0);
  if (!used) {
    const body = html`<h1>Actions</h1>
      <p class="card muted">No actions logged.</p>`;
    return { body: layout(c, { title: `Actions · ${agentId}`, agentId, tab: 'actions', body }) };
  }
  const stats = await c.agent.actions.stats();
  let log: Html;
  if (run !== undefined) {
    const timeline = await c.agent.actions.timeline({ runId: run, limit: 1000 });
    log = html`<h2>Run ${run}</h2>
      <p><a href="${base}">← All actions</a></p>
      ${timeline.length ? rows(c, timeline, true) : html`<p class="card muted">No actions in this run.</p>`}`;
  } else {
    const actions = await c.agent.actions.list({ name, status, limit: PAGE, offset });
    log = html`<h2>Timeline</h2>
      <form class="filters" method="get" action="${base}" role="search">
        <label>Name <input type="search" name="name" value="${name ?? ''}" list="action-names" /></label>
        <datalist id="action-names">${stats.map((s) => html`<option value="${s.name}"></option>`)}</datalist>
        <label
          >Status
          <select name="status">
            <option value="">any</option>
            ${STATUSES.map((s) => html`<option${s === status ? html` selected` : ''}>${s}</option>`)}
          </select></label
        >
        <button type="submit" class="primary">Filter</button>
        ${name || status ? html`<a href="${base}">Clear</a>` : ''}
      </form>
      ${actions.length ? rows(c, actions) : html`<p class="card muted">No actions match.</p>`}
      ${pager(base, { name, status }, offset, PAGE, actions.length)}`;
  }
  const sorted = [...stats].sort((a, b) => b.count - a.count);
  const body = html`<h1>Actions</h1>
    <div class="grid">
      <section class="card" aria-labelledby="stats">
        <h2 id="stats">Stats by name</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" class="num">Calls</th>
              <th scope="col" class="num">Errors</th>
              <th scope="col" class="num">Error rate</th>
              <th scope="col" class="num">p50</th>
              <th scope="col" class="num">p95</th>
            </tr>
          </thead>
          <tbody>
            ${sorted.map(
              (s) =>
                html`<tr>
                  <td><a href="${href(base, { name: s.name })}">${s.name}</a></td>
                  <td class="num">${count(s.count)}</td>
                  <td class="num">${count(s.errors)}</td>
                  <td class="num">${s.errorRate === null ? '–' : `${(s.errorRate * 100).toFixed(1)}%`}</td>
                  <td class="num">${ms(s.p50Ms)}</td>
                  <td class="num">${ms(s.p95Ms)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </section>
      <section class="card" aria-labelledby="rates">
        <h2 id="rates">Error rate</h2>
        ${rateChart(
          'Error rate by action name',
          sorted
            .slice(0, 15)
            .map((s) => ({ label: s.name, rate: s.errorRate, detail: `${s.errors} errors of ${s.ok + s.errors} finished` })),
        )}
      </section>
    </div>
    ${log}`;
  return { body: layout(c, { title: `Actions · ${agentId}`, agentId, tab: 'actions', body }) };
}
