/**
 * Files: the agent's virtual file system as a tree expanded along the open path, a directory
 * listing, a viewer with line numbers for text files, and search over file passages.
 */
import type { FileInfo } from '@engram/core';
import type { AgentContext, Reply } from '../context.js';
import { intParam, textParam } from '../context.js';
import { bytes, count, href, html, when, type Html } from '../html.js';
import { agentPath, layout } from '../layout.js';
import { scoreParts } from './memories.js';

const MAX_LISTED = 500;
const MAX_LINES = 5000;

function parentsOf(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  return ['/', ...parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`)];
}

/** The tree: root entries, with every directory on the way to `open` expanded. */
async function tree(c: AgentContext, open: string): Promise<Html> {
  const base = agentPath(c.agentId, 'files');
  const ancestors = parentsOf(open);
  const level = async (dir: string, depth: number): Promise<Html> => {
    const entries = (await c.agent.files.readdir(dir)).slice(0, MAX_LISTED);
    entries.sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type === 'directory' ? -1 : 1));
    return html`<ul>
      ${await Promise.all(
        entries.map(async (e) => {
          const expanded = e.type === 'directory' && ancestors[depth + 1] === e.path;
          const current = e.path === open;
          const link = href(base, { path: e.path });
          return html`<li>
            <a href="${link}" ${current ? html` aria-current="page"` : ''}
              >${e.type === 'directory' ? '▸ ' : ''}${e.name}${e.type === 'directory' ? '/' : ''}</a
            >${expanded ? await level(e.path, depth + 1) : ''}
          </li>`;
        }),
      )}
    </ul>`;
  };
  return html`<nav class="tree card" aria-label="File tree">
    <a href="${base}" ${open === '/' ? html` aria-current="page"` : ''}>/</a>${await level('/', 0)}
  </nav>`;
}

function listing(c: AgentContext, entries: FileInfo[]): Html {
  const base = agentPath(c.agentId, 'files');
  if (entries.length === 0) return html`<p class="card muted">Empty directory.</p>`;
  return html`<table>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col" class="num">Size</th>
          <th scope="col">Type</th>
          <th scope="col">Modified</th>
        </tr>
      </thead>
      <tbody>
        ${entries.slice(0, MAX_LISTED).map(
          (e) =>
            html`<tr data-row>
              <td><a class="open" href="${href(base, { path: e.path })}">${e.name}${e.type === 'directory' ? '/' : ''}</a></td>
              <td class="num">${e.type === 'directory' ? '' : bytes(e.size)}</td>
              <td class="small">${e.mime ?? 'directory'}</td>
              <td class="small">${when(e.modifiedAt)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${entries.length > MAX_LISTED ? html`<p class="muted small">First ${MAX_LISTED} of ${count(entries.length)} entries.</p>` : ''}`;
}

async function viewer(c: AgentContext, info: FileInfo, from: number): Promise<Html> {
  const facts = html`<p class="small muted">
    ${bytes(info.size)} · ${info.mime ?? ''} · modified ${when(info.modifiedAt)} · sha256 <code>${info.sha256?.slice(0, 16)}…</code>
  </p>`;
  if (!info.isText)
    return html`${facts}
      <p class="card">Binary file: not shown.</p>`;
  const text = await c.agent.files.readText(info.path, { startLine: from, endLine: from + MAX_LINES - 1 });
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const more = lines.length === MAX_LINES;
  return html`${facts}
    <div class="code" role="region" aria-label="Content of ${info.path}" tabindex="0">
      ${lines.map((l, i) => html`<span class="ln" id="L${from + i}">${from + i}</span><span class="tx">${l || ' '}</span>`)}
    </div>
    ${more ? html`<p><a rel="next" href="${href(agentPath(c.agentId, 'files'), { path: info.path, from: from + MAX_LINES })}">Lines from ${from + MAX_LINES} →</a></p>` : ''}`;
}

/** GET /agents/<id>/files?path=…&q=…: tree, listing or viewer, and search. */
export async function filesPage(c: AgentContext): Promise<Reply> {
  const { agentId } = c;
  const base = agentPath(agentId, 'files');
  const q = textParam(c.query, 'q', 2000);
  const path = c.query.get('path') || '/';
  const used = (await c.agent.storesInUse()).files;
  let main: Html;
  let open = '/';
  if (!used) {
    main = html`<p class="card muted">This agent has no files.</p>`;
  } else if (q !== undefined) {
    const hits = await c.agent.files.search(q, { limit: 20 });
    main = html`<h2>Passages for “${q}”</h2>
      ${
        hits.length === 0
          ? html`<p class="card">No passage found.</p>`
          : html`<ol class="results">
              ${hits.map(
                (h) =>
                  html`<li class="card" data-row>
                    <a class="open" href="${href(base, { path: h.path })}#L${h.startLine}">${h.path}</a>
                    <span class="small muted">lines ${h.startLine}–${h.endLine} · score ${h.score.toFixed(4)}</span>${scoreParts(h)}
                    <pre class="light">${h.text}</pre>
                  </li>`,
              )}
            </ol>`
      }`;
  } else {
    const info = await c.agent.files.stat(path);
    open = info.path;
    main =
      info.type === 'directory'
        ? html`<h2>${info.path}</h2>
            ${listing(c, await c.agent.files.readdir(info.path))}`
        : html`<h2>${info.path}</h2>
            ${await viewer(c, info, Math.max(1, intParam(c.query, 'from', 1)))}`;
  }
  const body = html`<h1>Files</h1>
    <form class="filters" method="get" action="${base}" role="search">
      <label>Search file contents <input type="search" name="q" value="${q ?? ''}" placeholder="words or meaning" /></label>
      <button type="submit" class="primary">Search</button>
      ${q === undefined ? '' : html`<a href="${base}">Clear</a>`}
    </form>
    ${
      used
        ? html`<div class="files">
            ${await tree(c, open)}
            <div>${main}</div>
          </div>`
        : main
    }`;
  return { body: layout(c, { title: `Files · ${agentId}`, agentId, tab: 'files', body }) };
}
