/** KV: keys in order, by prefix, paged by key (keyset), with their JSON values. */
import type { AgentContext, Reply } from '../context.js';
import { textParam } from '../context.js';
import { href, html, json, when } from '../html.js';
import { agentPath, layout } from '../layout.js';

const PAGE = 100;

/** GET /agents/<id>/kv?prefix=…&after=… */
export async function kvPage(c: AgentContext): Promise<Reply> {
  const { agentId } = c;
  const base = agentPath(agentId, 'kv');
  const prefix = textParam(c.query, 'prefix', 1024);
  const after = c.query.get('after') || undefined;
  const used = (await c.agent.storesInUse()).kv;
  const entries = used ? await c.agent.kv.list({ prefix, after, limit: PAGE, values: true }) : [];
  const last = entries.at(-1);
  const body = html`<h1>Key-value state</h1>
    <form class="filters" method="get" action="${base}" role="search">
      <label>Key prefix <input type="search" name="prefix" value="${prefix ?? ''}" /></label>
      <button type="submit" class="primary">Filter</button>
      ${prefix === undefined ? '' : html`<a href="${base}">Clear</a>`}
    </form>
    ${
      entries.length === 0
        ? html`<p class="card muted">No keys${prefix ? ' with this prefix' : ''}${after ? ' after this one' : ''}.</p>`
        : html`<table>
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Value</th>
                <th scope="col">Updated</th>
                <th scope="col">Expires</th>
              </tr>
            </thead>
            <tbody>
              ${entries.map(
                (e) =>
                  html`<tr data-row>
                    <th scope="row"><code>${e.key}</code></th>
                    <td><pre class="light">${json(e.value, 2000)}</pre></td>
                    <td class="small">${when(e.updatedAt)}</td>
                    <td class="small">${e.expiresAt ? when(e.expiresAt) : 'never'}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    <nav class="pager" aria-label="Pages">
      ${after ? html`<a href="${href(base, { prefix })}">⇤ First keys</a>` : ''}
      ${entries.length === PAGE && last ? html`<a rel="next" href="${href(base, { prefix, after: last.key })}">Next keys →</a>` : ''}
    </nav>`;
  return { body: layout(c, { title: `KV · ${agentId}`, agentId, tab: 'kv', body }) };
}
