/**
 * The page shell every inspector page shares: header with the agent's name, the tab bar of an
 * agent, a flash message, the keyboard-shortcut dialog, and small shared widgets (pager,
 * CSRF-carrying forms, confirmation panel).
 */
import { html, href, type Html, type Renderable } from './html.js';

export const TABS = [
  ['overview', 'Overview', ''],
  ['memories', 'Memories', 'memories'],
  ['files', 'Files', 'files'],
  ['kv', 'KV', 'kv'],
  ['tasks', 'Tasks', 'tasks'],
  ['actions', 'Actions', 'actions'],
  ['branches', 'Branches', 'branches'],
] as const;

export type Tab = (typeof TABS)[number][0];

/** What every page needs to know about the request. */
export interface PageContext {
  /** CSRF token to put in every form. */
  csrf: string;
  /** A login session is open (show "log out"). */
  session: boolean;
}

export interface PageOptions {
  title: string;
  agentId?: string;
  tab?: Tab;
  body: Renderable;
  flash?: { text: string; error?: boolean };
}

/** The base path of an agent's pages. */
export function agentPath(agentId: string, ...rest: string[]): string {
  return `/agents/${encodeURIComponent(agentId)}/${rest.map(encodeURIComponent).join('/')}`;
}

export function layout(ctx: PageContext, options: PageOptions): Html {
  const { agentId, tab } = options;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title} · Engram inspector</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/static/inspector.css" />
        <script src="/static/inspector.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <a href="/" data-key="agents">Engram inspector</a>
          ${agentId === undefined ? '' : html`<span class="where">agent <b>${agentId}</b></span>`}
          <span class="right">
            <button type="button" id="keys-button" aria-haspopup="dialog" aria-controls="keys">Keys <kbd>?</kbd></button>
            ${ctx.session ? html`<form method="post" action="/logout"><input type="hidden" name="_csrf" value="${ctx.csrf}" /><button type="submit">Log out</button></form>` : ''}
          </span>
        </header>
        ${
          agentId === undefined
            ? ''
            : html`<nav class="tabs" aria-label="Agent sections">
                ${TABS.map(
                  ([key, label, path]) =>
                    html`<a
                      href="${agentPath(agentId, ...(path ? [path] : []))}"
                      data-key="${key}"
                      ${key === tab ? html` aria-current="page"` : ''}
                      >${label}</a
                    >`,
                )}
              </nav>`
        }
        <main id="main" tabindex="-1">
          ${options.flash ? html`<p class="flash${options.flash.error ? ' error' : ''}" role="status">${options.flash.text}</p>` : ''}
          ${options.body}
        </main>
        <dialog id="keys" aria-label="Keyboard shortcuts">
          <h2>Keyboard shortcuts</h2>
          <dl class="kv">
            <dt><kbd>/</kbd></dt>
            <dd>focus the search box</dd>
            <dt><kbd>j</kbd> <kbd>k</kbd></dt>
            <dd>next / previous row</dd>
            <dt><kbd>n</kbd> <kbd>p</kbd></dt>
            <dd>next / previous page</dd>
            <dt><kbd>g</kbd> then <kbd>a</kbd></dt>
            <dd>all agents</dd>
            <dt><kbd>g</kbd> then <kbd>o m f k t c b</kbd></dt>
            <dd>overview, memories, files, kv, tasks, actions, branches</dd>
            <dt><kbd>Esc</kbd></dt>
            <dd>leave a text box; close this dialog</dd>
          </dl>
          <form method="dialog"><button>Close</button></form>
        </dialog>
      </body>
    </html>`;
}

/** A POST form carrying the CSRF token. */
export function postForm(ctx: PageContext, action: string, body: Renderable, attrs: Renderable = ''): Html {
  return html`<form method="post" action="${action}" ${attrs}><input type="hidden" name="_csrf" value="${ctx.csrf}" />${body}</form>`;
}

/** Previous / next links for offset paging. */
export function pager(
  base: string,
  query: Record<string, string | number | undefined>,
  offset: number,
  limit: number,
  shown: number,
  total?: number,
): Html {
  const prev = offset > 0 ? href(base, { ...query, offset: Math.max(0, offset - limit) || undefined }) : undefined;
  const more = total === undefined ? shown === limit : offset + shown < total;
  const next = more ? href(base, { ...query, offset: offset + limit }) : undefined;
  const range =
    shown === 0 ? 'none' : `${offset + 1}–${offset + shown}${total === undefined ? '' : ` of ${total.toLocaleString('en-US')}`}`;
  return html`<nav class="pager" aria-label="Pages">
    ${prev ? html`<a rel="prev" href="${prev}">← Previous</a>` : html`<span class="muted">← Previous</span>`}
    <span class="muted small">${range}</span>
    ${next ? html`<a rel="next" href="${next}">Next →</a>` : html`<span class="muted">Next →</span>`}
  </nav>`;
}

/** A confirmation panel: what will happen, a danger button that POSTs, and a way back. */
export function confirmPanel(
  ctx: PageContext,
  options: { question: string; detail: Renderable; action: string; button: string; back: string; fields?: Renderable },
): Html {
  return html`<section class="card confirm" aria-labelledby="confirm-q">
    <h1 id="confirm-q">${options.question}</h1>
    ${options.detail}
    ${postForm(
      ctx,
      options.action,
      html`${options.fields ?? ''}
        <p>
          <button type="submit" class="danger" data-autofocus>${options.button}</button> <a class="button" href="${options.back}">Cancel</a>
        </p>`,
    )}
  </section>`;
}

/** Message of an error for a person, without a stack. */
export function errorText(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ? `${e.code}: ${e.message}` : String(e.message ?? err);
}
