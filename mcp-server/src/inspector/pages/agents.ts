/**
 * The agents page (search by id, counts per agent, paged) and an agent's overview: what it
 * holds in each store, memories over time, and the error rate of its actions.
 */
import type { Agent, Engram } from '@engram/core';
import { diskUsage } from '../../disk.js';
import { columnChart, rateChart, type Column } from '../charts.js';
import type { AgentContext, Reply, RequestContext } from '../context.js';
import { intParam, textParam } from '../context.js';
import { bytes, count, html, when, type Html } from '../html.js';
import { agentPath, errorText, layout, pager } from '../layout.js';

const PAGE = 50;
const DAY = 86_400_000;

interface AgentRow {
  id: string;
  memories?: number;
  files?: number;
  bytes: number;
  error?: string;
}

async function agentRow(engram: Engram, id: string): Promise<AgentRow> {
  try {
    const agent = await engram.agent(id, { create: false });
    const used = await agent.storesInUse();
    return {
      id,
      // Every version: the count that needs no scan past the index (the overview splits it).
      memories: await agent.memories.count({ includeSuperseded: true }),
      files: used.files ? (await agent.files.usage()).files : 0,
      bytes: diskUsage(engram, id).bytes,
    };
  } catch (err) {
    return { id, bytes: diskUsage(engram, id).bytes, error: errorText(err) };
  }
}

/** GET /: every agent this request may see, searchable by id. */
export async function agentsPage(c: RequestContext): Promise<Reply> {
  const q = textParam(c.query, 'q', 128)?.toLowerCase();
  const offset = intParam(c.query, 'offset', 0);
  const visible = (await c.engram.list()).filter((id) => c.access.canSee(id));
  const matching = q === undefined ? visible : visible.filter((id) => id.includes(q));
  const rows: AgentRow[] = [];
  for (const id of matching.slice(offset, offset + PAGE)) rows.push(await agentRow(c.engram, id));
  const body = html`<h1>Agents</h1>
    <form class="filters" method="get" action="/" role="search">
      <label>Search agents <input type="search" name="q" value="${q ?? ''}" placeholder="agent id contains…" /></label>
      <button type="submit">Search</button>
      ${q === undefined ? '' : html`<a href="/">Clear</a>`}
    </form>
    <p class="muted small">
      ${count(matching.length)} agent${matching.length === 1 ? '' : 's'}${q === undefined ? '' : html` matching “${q}”`}, of
      ${count(visible.length)} in ${c.engram.root}
    </p>
    ${
      rows.length === 0
        ? html`<p class="card">
            ${visible.length === 0 ? html`No agents yet in ${c.engram.root}. Agents appear here once an MCP client or the SDK writes to one; <code>npm run demo</code> makes one from this repository.` : 'No agent matches.'}
          </p>`
        : html`<table>
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col" class="num" title="every version, superseded ones included">Memories</th>
                <th scope="col" class="num">Files</th>
                <th scope="col" class="num">On disk</th>
              </tr>
            </thead>
            <tbody>
              ${rows.map(
                (r) =>
                  html`<tr data-row>
                    <td>
                      <a class="open" href="${agentPath(r.id)}">${r.id}</a>${r.error ? html`<div class="small bad">${r.error}</div>` : ''}
                    </td>
                    <td class="num">${r.memories === undefined ? '–' : count(r.memories)}</td>
                    <td class="num">${r.files === undefined ? '–' : count(r.files)}</td>
                    <td class="num">${bytes(r.bytes)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${pager('/', { q }, offset, PAGE, rows.length, matching.length)}`;
  return { body: layout(c, { title: 'Agents', body }) };
}

/** Current memories per period, from the oldest to the newest valid-from time (one query). */
async function memoriesOverTime(agent: Agent): Promise<Column[]> {
  const h = await agent.memories.histogram({ buckets: 30 });
  if (h.start === null) return [];
  const first = Date.parse(h.start);
  return h.counts.map((value, i) => {
    const date = new Date(first + i * h.bucketMs).toISOString();
    return { label: h.bucketMs >= 28 * DAY ? date.slice(0, 7) : h.bucketMs === DAY ? date.slice(5, 10) : date.slice(0, 10), value };
  });
}

function stat(label: string, value: string | number, link?: string): Html {
  const v = typeof value === 'number' ? count(value) : value;
  return link ? html`<a class="stat" href="${link}"><b>${v}</b>${label}</a>` : html`<div class="stat"><b>${v}</b>${label}</div>`;
}

/** GET /agents/<id>/: the agent at a glance. */
export async function overviewPage(c: AgentContext): Promise<Reply> {
  const { agent, agentId } = c;
  const info = await agent.info();
  const used = await agent.storesInUse();
  const current = await agent.memories.count();
  const all = await agent.memories.count({ includeSuperseded: true });
  const usage = used.files ? await agent.files.usage() : undefined;
  const kvKeys = used.kv ? (await agent.kv.list({ limit: 1000 })).length : 0;
  const open = used.tasks ? (await agent.tasks.list({ status: ['pending', 'running'], limit: 1000 })).length : 0;
  const stats = used.actions ? await agent.actions.stats() : [];
  const calls = stats.reduce((s, a) => s + a.count, 0);
  const errors = stats.reduce((s, a) => s + a.errors, 0);
  const branches = await agent.branches.list();
  const snapshots = await agent.snapshots.list();
  const over = await memoriesOverTime(agent);
  const rates = [...stats].sort((a, b) => b.count - a.count).slice(0, 12);
  const body = html`<h1>${agentId}</h1>
    <div class="stats">
      ${stat('current memories', current, agentPath(agentId, 'memories'))}
      ${stat('superseded', all - current, agentPath(agentId, 'memories') + '?superseded=1')}
      ${stat('files', usage?.files ?? 0, agentPath(agentId, 'files'))}
      ${stat('kv keys', kvKeys >= 1000 ? '1,000+' : kvKeys, agentPath(agentId, 'kv'))}
      ${stat('open tasks', open >= 1000 ? '1,000+' : open, agentPath(agentId, 'tasks'))}
      ${stat('actions', calls, agentPath(agentId, 'actions'))}
      ${stat('branches · snapshots', `${branches.length} · ${snapshots.length}`, agentPath(agentId, 'branches'))}
    </div>
    <div class="grid">
      <section class="card" aria-labelledby="chart-memories">
        <h2 id="chart-memories">Memories over time</h2>
        ${over.length === 0 ? html`<p class="muted">No memories yet.</p>` : columnChart('Current memories by valid-from date', over, { unit: 'memories' })}
      </section>
      <section class="card" aria-labelledby="chart-errors">
        <h2 id="chart-errors">Action error rate</h2>
        ${
          rates.length === 0
            ? html`<p class="muted">No actions logged.</p>`
            : html`${rateChart(
                  'Error rate by action name',
                  rates.map((s) => ({ label: s.name, rate: s.errorRate, detail: `${s.errors} errors of ${s.ok + s.errors} finished` })),
                )}
                <p class="small muted">${count(errors)} errors in ${count(calls)} actions.</p>`
        }
      </section>
    </div>
    <section class="card" aria-labelledby="about">
      <h2 id="about">Database</h2>
      <dl class="kv">
        <dt>File</dt>
        <dd>${info.path} (${bytes(diskUsage(c.engram, agentId).bytes)})</dd>
        <dt>Engine</dt>
        <dd>${info.driver}, schema ${info.schemaVersion}${info.encrypted ? ', encrypted' : ''}</dd>
        <dt>Embedder</dt>
        <dd>${info.embedder.id ?? 'none yet'}${info.embedder.dims ? ` (${info.embedder.dims} dims)` : ''}</dd>
        <dt>Created</dt>
        <dd>${when(info.createdAt)}</dd>
        ${
          usage
            ? html`<dt>Files</dt>
                <dd>
                  ${count(usage.files)} files, ${count(usage.directories)} directories, ${bytes(usage.bytes)}, ${count(usage.chunks)}
                  indexed passages
                </dd>`
            : ''
        }
      </dl>
    </section>`;
  return { body: layout(c, { title: agentId, agentId, tab: 'overview', body }) };
}
