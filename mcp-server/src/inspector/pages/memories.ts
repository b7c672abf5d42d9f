/**
 * Memories: a paged list with filters, or recall results with each hit's score parts; one
 * memory with its supersede history, an edit form, and forgetting behind a confirmation page.
 */
import type { Memory, MemoryFilter, MemoryPatch, RecallMode, RecallResult } from '@engram/core';
import { EngramError } from '@engram/core';
import type { AgentContext, Reply } from '../context.js';
import { intParam, textParam } from '../context.js';
import { href, html, json, when, type Html } from '../html.js';
import { agentPath, confirmPanel, layout, pager, postForm } from '../layout.js';

const PAGE = 50;
const MODES: RecallMode[] = ['hybrid', 'vector', 'text'];
const KINDS = ['fact', 'event', 'preference', 'instruction'];

/** A yyyy-mm-dd date from a date input, or undefined. */
function dateParam(query: URLSearchParams, name: string): string | undefined {
  const value = query.get(name) ?? '';
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && Number.isFinite(Date.parse(value)) ? value : undefined;
}

function filterOf(query: URLSearchParams): { filter: MemoryFilter; echo: Record<string, string | undefined> } {
  const kind = textParam(query, 'kind', 32);
  const tag = textParam(query, 'tag', 128);
  const source = textParam(query, 'source', 256);
  const superseded = query.get('superseded') === '1';
  const since = dateParam(query, 'since');
  const until = dateParam(query, 'until');
  const filter: MemoryFilter = {};
  if (since) filter.since = `${since}T00:00:00Z`;
  // Until a day: that whole day included.
  if (until) filter.until = new Date(Date.parse(`${until}T00:00:00Z`) + 86_400_000).toISOString();
  if (kind) filter.kinds = [kind];
  if (tag) filter.tags = [tag];
  if (source) filter.source = source;
  if (superseded) filter.includeSuperseded = true;
  return { filter, echo: { kind, tag, source, since, until, superseded: superseded ? '1' : undefined } };
}

function tags(memory: Memory): Html {
  return html`${memory.tags.map((t) => html`<span class="tag">${t}</span>`)}`;
}

function snippet(text: string, max = 240): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The score parts of a recall hit, in words. */
export function scoreParts(r: Pick<RecallResult, 'parts'>): Html {
  const p = r.parts;
  return html`<div class="parts">
    ${p.vector ? html`<span title="cosine similarity to the query; rank among vector candidates">vector ${p.vector.similarity.toFixed(3)} (#${p.vector.rank})</span>` : ''}
    ${p.text ? html`<span title="BM25 full-text relevance; rank among text candidates">text ${p.text.bm25.toFixed(3)} (#${p.text.rank})</span>` : ''}
    ${p.fused !== undefined ? html`<span title="reciprocal-rank fusion, 1 = first in both lists">fused ${p.fused.toFixed(3)}</span>` : ''}
    ${p.recency !== undefined ? html`<span>recency ${p.recency.toFixed(3)}</span>` : ''}
    ${p.importance !== undefined ? html`<span>importance ${p.importance.toFixed(2)}</span>` : ''}
    ${p.preferred ? html`<span>preferred</span>` : ''} ${p.timeHint ? html`<span>time hint “${p.timeHint}”</span>` : ''}
  </div>`;
}

/** GET /agents/<id>/memories: the list, or recall results when there is a query. */
export async function memoriesPage(c: AgentContext): Promise<Reply> {
  const { agent, agentId } = c;
  const base = agentPath(agentId, 'memories');
  const q = textParam(c.query, 'q', 2000);
  const modeParam = c.query.get('mode');
  const mode: RecallMode = MODES.includes(modeParam as RecallMode) ? (modeParam as RecallMode) : 'hybrid';
  const offset = intParam(c.query, 'offset', 0);
  const { filter, echo } = filterOf(c.query);
  const open = (m: Memory) => href(agentPath(agentId, 'memories', m.id));
  let results: Html;
  if (q !== undefined) {
    const hits = await agent.memories.recall(q, { ...filter, mode, limit: PAGE });
    results =
      hits.length === 0
        ? html`<p class="card">Nothing recalled for “${q}”.</p>`
        : html`<table aria-describedby="recall-note">
              <thead>
                <tr>
                  <th scope="col" class="num">#</th>
                  <th scope="col" class="num">Score</th>
                  <th scope="col">Memory and score parts</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Valid from</th>
                </tr>
              </thead>
              <tbody>
                ${hits.map(
                  (r, i) =>
                    html`<tr data-row>
                      <td class="num">${i + 1}</td>
                      <td class="num">${r.score.toFixed(4)}</td>
                      <td><a class="open" href="${open(r.memory)}">${snippet(r.memory.text)}</a> ${tags(r.memory)}${scoreParts(r)}</td>
                      <td><span class="kind">${r.memory.kind}</span></td>
                      <td class="small">${when(r.memory.validFrom)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
            <p id="recall-note" class="small muted">
              Top ${hits.length} by ${mode} recall. Score parts: vector similarity and text BM25 with each list's rank, and their fusion.
            </p>`;
  } else {
    const [memories, total] = [await agent.memories.list({ ...filter, limit: PAGE, offset }), await agent.memories.count(filter)];
    results = html`${
      memories.length === 0
        ? html`<p class="card">No memories${Object.keys(filter).length ? ' match these filters' : ' yet'}.</p>`
        : html`<table>
            <thead>
              <tr>
                <th scope="col">Memory</th>
                <th scope="col">Kind</th>
                <th scope="col">Source</th>
                <th scope="col">Valid from</th>
              </tr>
            </thead>
            <tbody>
              ${memories.map(
                (m) =>
                  html`<tr data-row>
                    <td>
                      <a class="open" href="${open(m)}">${snippet(m.text)}</a>
                      ${tags(m)}${m.validTo ? html` <span class="small muted">(superseded)</span>` : ''}
                    </td>
                    <td><span class="kind">${m.kind}</span></td>
                    <td class="small">${m.source ?? ''}</td>
                    <td class="small">${when(m.validFrom)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }${pager(base, { ...echo }, offset, PAGE, memories.length, total)}`;
  }
  const body = html`<h1>Memories</h1>
    <form class="filters" method="get" action="${base}" role="search">
      <label>Recall <input type="search" name="q" value="${q ?? ''}" placeholder="what do you want to find?" /></label>
      <label
        >Mode
        <select name="mode">
          ${MODES.map((m) => html`<option${m === mode ? html` selected` : ''}>${m}</option>`)}
        </select></label
      >
      <label>Kind <input name="kind" list="kinds" value="${echo.kind ?? ''}" size="10" /></label>
      <datalist id="kinds">${KINDS.map((k) => html`<option value="${k}"></option>`)}</datalist>
      <label>Tag <input name="tag" value="${echo.tag ?? ''}" size="10" /></label>
      <label>Source <input name="source" value="${echo.source ?? ''}" size="10" /></label>
      <label>Valid from <input type="date" name="since" value="${echo.since ?? ''}" /></label>
      <label>to <input type="date" name="until" value="${echo.until ?? ''}" /></label>
      <label class="checkbox"
        ><input type="checkbox" name="superseded" value="1" ${echo.superseded ? html` checked` : ''} /> include superseded</label
      >
      <button type="submit" class="primary">${q === undefined ? 'Filter' : 'Recall'}</button>
      <a href="${base}">Clear</a>
    </form>
    ${results}`;
  return { body: layout(c, { title: `Memories · ${agentId}`, agentId, tab: 'memories', body, flash: flashOf(c.query) }) };
}

function flashOf(query: URLSearchParams): { text: string } | undefined {
  const done = query.get('done');
  if (done === 'forgotten') return { text: 'Memory forgotten.' };
  if (done === 'updated') return { text: 'Memory saved.' };
  return undefined;
}

async function existing(c: AgentContext): Promise<Memory> {
  const memory = await c.agent.memories.get(c.params.mid!);
  if (!memory) throw new EngramError('NOT_FOUND', `memory ${c.params.mid} does not exist (or has expired)`);
  return memory;
}

function memoryFacts(m: Memory): Html {
  return html`<dl class="kv">
    <dt>Id</dt>
    <dd><code>${m.id}</code></dd>
    <dt>Kind</dt>
    <dd><span class="kind">${m.kind}</span></dd>
    <dt>Tags</dt>
    <dd>${m.tags.length ? tags(m) : html`<span class="muted">none</span>`}</dd>
    <dt>Importance</dt>
    <dd>${m.importance}</dd>
    <dt>Source</dt>
    <dd>${m.source ?? html`<span class="muted">none</span>`}</dd>
    <dt>Valid</dt>
    <dd>${when(m.validFrom)} → ${m.validTo ? when(m.validTo) : 'now'}</dd>
    <dt>Created · updated</dt>
    <dd>${when(m.createdAt)} · ${when(m.updatedAt)}</dd>
    ${
      m.expiresAt
        ? html`<dt>Expires</dt>
            <dd>${when(m.expiresAt)}</dd>`
        : ''
    }
    ${
      m.context
        ? html`<dt>Context</dt>
            <dd>${m.context}</dd>`
        : ''
    }
    ${
      Object.keys(m.metadata).length
        ? html`<dt>Metadata</dt>
            <dd><pre class="light">${json(m.metadata)}</pre></dd>`
        : ''
    }
  </dl>`;
}

/** GET /agents/<id>/memories/<mid>: one memory, its history, and the edit form. */
export async function memoryPage(c: AgentContext, error?: string): Promise<Reply> {
  const { agentId } = c;
  const m = await existing(c);
  const history = m.supersedes || m.supersededBy ? await c.agent.memories.history(m.id) : [m];
  const self = agentPath(agentId, 'memories', m.id);
  const body = html`<p><a href="${agentPath(agentId, 'memories')}">← Memories</a></p>
    <h1>Memory</h1>
    <section class="card">
      <p class="big">${m.text}</p>
      ${memoryFacts(m)}
    </section>
    <section class="card" aria-labelledby="history">
      <h2 id="history">Supersede history</h2>
      ${
        history.length === 1
          ? html`<p class="muted">This memory neither replaced nor was replaced by another.</p>`
          : html`<ol>
              ${history.map(
                (h) =>
                  html`<li>
                    ${h.id === m.id ? html`<b aria-current="true">${h.text}</b> (this one)` : html`<a href="${agentPath(agentId, 'memories', h.id)}">${h.text}</a>`}
                    <span class="small muted">${when(h.validFrom)} → ${h.validTo ? when(h.validTo) : 'now'}</span>
                  </li>`,
              )}
            </ol>`
      }
    </section>
    <section class="card" aria-labelledby="edit">
      <h2 id="edit">Edit</h2>
      ${postForm(
        c,
        self,
        html`<label>Text <textarea name="text" required>${m.text}</textarea></label>
          <label>Context <textarea name="context">${m.context ?? ''}</textarea></label>
          <label>Kind <input name="kind" value="${m.kind}" list="kinds" required /></label>
          <datalist id="kinds">${KINDS.map((k) => html`<option value="${k}"></option>`)}</datalist>
          <label>Tags (comma separated) <input name="tags" value="${m.tags.join(', ')}" /></label>
          <label>Importance (0 to 1) <input name="importance" type="number" min="0" max="1" step="0.05" value="${m.importance}" /></label>
          <label>Source <input name="source" value="${m.source ?? ''}" /></label>
          <p><button type="submit" class="primary">Save</button></p>`,
        html`class="stack" aria-label="Edit memory"`,
      )}
    </section>
    <section class="card" aria-labelledby="forget">
      <h2 id="forget">Forget</h2>
      <p>Deletes this memory for good (a snapshot first keeps a way back).</p>
      <p><a class="button" href="${self}/forget">Forget this memory…</a></p>
    </section>`;
  return {
    status: error ? 400 : 200,
    body: layout(c, { title: 'Memory', agentId, tab: 'memories', body, flash: error ? { text: error, error: true } : flashOf(c.query) }),
  };
}

/** POST /agents/<id>/memories/<mid>: save the edit form (only the fields that changed). */
export async function updateMemory(c: AgentContext): Promise<Reply> {
  const m = await existing(c);
  const f = c.form;
  const patch: MemoryPatch = {};
  const text = f.get('text');
  if (text !== null && text !== m.text) patch.text = text;
  const context = f.get('context');
  if (context !== null && context.trim() !== (m.context ?? '')) patch.context = context.trim() === '' ? null : context;
  const kind = f.get('kind')?.trim();
  if (kind && kind !== m.kind) patch.kind = kind;
  const tagsIn = f.get('tags');
  if (tagsIn !== null) {
    const list = tagsIn
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    if (list.join('\u0000') !== m.tags.join('\u0000')) patch.tags = list;
  }
  const importance = f.get('importance');
  if (importance !== null && importance !== '' && Number(importance) !== m.importance) patch.importance = Number(importance);
  const source = f.get('source')?.trim();
  if (source && source !== m.source) patch.source = source;
  if (Object.keys(patch).length > 0) {
    try {
      await c.agent.memories.update(m.id, patch);
    } catch (err) {
      if ((err as { code?: string }).code === 'INVALID_ARGUMENT') return memoryPage(c, (err as Error).message);
      throw err;
    }
  }
  return { redirect: `${agentPath(c.agentId, 'memories', m.id)}?done=updated` };
}

/** GET /agents/<id>/memories/<mid>/forget: the confirmation. */
export async function forgetConfirm(c: AgentContext): Promise<Reply> {
  const m = await existing(c);
  const self = agentPath(c.agentId, 'memories', m.id);
  const body = confirmPanel(c, {
    question: 'Forget this memory?',
    detail: html`<blockquote>${m.text}</blockquote>
      <p>It is deleted from ${c.agentId} for good. This cannot be undone.</p>`,
    action: `${self}/forget`,
    button: 'Forget',
    back: self,
  });
  return { body: layout(c, { title: 'Forget memory?', agentId: c.agentId, tab: 'memories', body }) };
}

/** POST /agents/<id>/memories/<mid>/forget. */
export async function forgetMemory(c: AgentContext): Promise<Reply> {
  const n = await c.agent.memories.forget(c.params.mid!);
  if (n === 0) throw new EngramError('NOT_FOUND', `memory ${c.params.mid} does not exist`);
  return { redirect: `${agentPath(c.agentId, 'memories')}?done=forgotten` };
}
