/**
 * Branches and snapshots: the list, a branch's diff against the agent (per table counts, then
 * each changed unit with a line diff of the agent's version against the branch's), and merge,
 * discard and snapshot restore, each behind a confirmation page. Taking a snapshot is one button.
 */
import { EngramError, type Agent, type MergePolicy, type RowChange } from '@engram/core';
import type { AgentContext, Reply } from '../context.js';
import { textParam } from '../context.js';
import { bytes, count, html, when, type Html } from '../html.js';
import { agentPath, confirmPanel, errorText, layout, postForm } from '../layout.js';
import { lineDiff } from '../line-diff.js';

const MAX_CHANGES = 200;
const MAX_TEXT = 200_000;
const POLICIES: MergePolicy[] = ['fail', 'ours', 'theirs'];

function flashOf(query: URLSearchParams): { text: string } | undefined {
  const done = query.get('done');
  const name = query.get('name') ?? '';
  const messages: Record<string, string> = {
    merged: `Branch ${name} merged into the agent.`,
    discarded: `Branch ${name} discarded.`,
    restored: `Snapshot ${name} restored: the agent is back to that state.`,
    snapshot: `Snapshot ${name} taken.`,
  };
  return done && messages[done] ? { text: messages[done] } : undefined;
}

/** GET /agents/<id>/branches */
export async function branchesPage(c: AgentContext, error?: string): Promise<Reply> {
  const { agentId } = c;
  const branches = await c.agent.branches.list();
  const snapshots = await c.agent.snapshots.list();
  const body = html`<h1>Branches and snapshots</h1>
    <section aria-labelledby="branches">
      <h2 id="branches">Branches</h2>
      ${
        branches.length === 0
          ? html`<p class="card muted">
              No branches. An agent (or <code>agent.try()</code>) makes one to work on a copy, then merges or discards it.
            </p>`
          : html`<table>
              <thead>
                <tr>
                  <th scope="col">Branch</th>
                  <th scope="col">Made</th>
                  <th scope="col">From</th>
                  <th scope="col" class="num">Size</th>
                  <th scope="col">Copy</th>
                </tr>
              </thead>
              <tbody>
                ${branches.map(
                  (b) =>
                    html`<tr data-row>
                      <td><a class="open" href="${agentPath(agentId, 'branches', b.name)}">${b.name}</a></td>
                      <td class="small">${when(b.createdAt)}</td>
                      <td class="small">${b.from ? html`snapshot ${b.from}` : 'agent'}</td>
                      <td class="num">${bytes(b.bytes)}</td>
                      <td class="small">${b.method}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
    </section>
    <section aria-labelledby="snapshots">
      <h2 id="snapshots">Snapshots</h2>
      ${postForm(
        c,
        agentPath(agentId, 'snapshots'),
        html`<label
            >New snapshot name
            <input
              name="name"
              placeholder="optional"
              pattern="[a-z0-9][a-z0-9_\\-]*"
              maxlength="64"
              size="20"
              title="lowercase letters, digits, - and _"
          /></label>
          <button type="submit">Take snapshot</button>`,
        html`class="filters" aria-label="Take a snapshot"`,
      )}
      ${
        snapshots.length === 0
          ? html`<p class="card muted">No snapshots.</p>`
          : html`<table>
              <thead>
                <tr>
                  <th scope="col">Snapshot</th>
                  <th scope="col">Taken</th>
                  <th scope="col" class="num">Size</th>
                  <th scope="col">Restore</th>
                </tr>
              </thead>
              <tbody>
                ${snapshots.map(
                  (s) =>
                    html`<tr data-row>
                      <td>${s.name}</td>
                      <td class="small">${when(s.createdAt)}</td>
                      <td class="num">${bytes(s.bytes)}</td>
                      <td><a class="open" href="${agentPath(agentId, 'snapshots', s.name, 'restore')}">Restore…</a></td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
    </section>`;
  return {
    status: error ? 400 : 200,
    body: layout(c, {
      title: `Branches · ${agentId}`,
      agentId,
      tab: 'branches',
      body,
      flash: error ? { text: error, error: true } : flashOf(c.query),
    }),
  };
}

function shortJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** One side's version of a changed unit, as text to diff; null when it is absent on that side. */
async function versionOf(agent: Agent, change: RowChange): Promise<string | null> {
  const key = change.key[0];
  const used = await agent.storesInUse();
  switch (change.table) {
    case 'memories': {
      const m = await agent.memories.get(String(key));
      if (!m) return null;
      const { text, context, kind, tags, importance, source, metadata, validFrom, validTo, supersedes } = m;
      return shortJson({ text, context, kind, tags, importance, source, metadata, validFrom, validTo, supersedes });
    }
    case 'kv':
      if (!used.kv || !(await agent.kv.has(String(key)))) return null;
      return shortJson(await agent.kv.get(String(key)));
    case 'tasks': {
      const t = used.tasks ? await agent.tasks.get(String(key)) : null;
      if (!t) return null;
      const { title, description, status, priority, dependsOn, assignee, payload, result, error } = t;
      return shortJson({ title, description, status, priority, dependsOn, assignee, payload, result, error });
    }
    case 'actions': {
      const a = used.actions ? await agent.actions.get(String(key)) : null;
      return a ? shortJson({ name: a.name, status: a.status, input: a.input, output: a.output, error: a.error }) : null;
    }
    case 'files': {
      if (!used.files || !(await agent.files.exists(String(key)))) return null;
      const info = await agent.files.stat(String(key));
      if (info.type === 'directory') return '(directory)';
      if (!info.isText || info.size > MAX_TEXT) return `(${info.isText ? 'text' : 'binary'}, ${bytes(info.size)}, sha256 ${info.sha256})`;
      return agent.files.readText(info.path);
    }
    default:
      return change.row === undefined || change.row === null ? null : shortJson(change.row);
  }
}

function diffBlock(before: string | null, after: string | null): Html {
  const d = lineDiff(before ?? '', after ?? '');
  if (before === null && after === null) return html`<p class="muted small">(no content)</p>`;
  if (d === null) {
    return html`<div class="grid">
      <pre class="light del">${before ?? ''}</pre>
      <pre class="light add">${after ?? ''}</pre>
    </div>`;
  }
  const lines = before === null ? d.filter((l) => l.op !== '-') : after === null ? d.filter((l) => l.op !== '+') : d;
  return html`<div class="diff code" role="region" aria-label="Line diff" tabindex="0">
    ${lines.map(
      (l) =>
        html`<span class="ln">${l.op === ' ' ? '' : l.op}</span
          ><span class="tx line${l.op === '-' ? ' del' : l.op === '+' ? ' add' : ''}">${l.text || ' '}</span>`,
    )}
  </div>`;
}

/** GET /agents/<id>/branches/<name>: the diff. */
export async function branchPage(c: AgentContext, error?: string, status = 200): Promise<Reply> {
  const { agentId } = c;
  const name = c.params.name!;
  const diff = await c.agent.branches.diff(name);
  const branch = await c.agent.branches.open(name);
  const conflictKeys = new Set(diff.conflicts.map((x) => `${x.table}\u0000${JSON.stringify(x.key)}`));
  const shown = diff.changes.slice(0, MAX_CHANGES);
  const items: Html[] = [];
  for (const change of shown) {
    const before = await versionOf(c.agent, change);
    const after = await versionOf(branch, change);
    const conflict = conflictKeys.has(`${change.table}\u0000${JSON.stringify(change.key)}`);
    items.push(
      html`<li class="card">
        <h3>
          <span class="kind">${change.table}</span> <code>${change.key.map(String).join(' · ')}</code>
          <span class="${change.change === 'removed' ? 'bad' : change.change === 'added' ? 'ok' : 'warn'}">${change.change}</span
          >${conflict ? html` <span class="bad">conflict</span>` : ''}
        </h3>
        ${diffBlock(change.change === 'added' ? null : before, change.change === 'removed' ? null : after)}
      </li>`,
    );
  }
  const self = agentPath(agentId, 'branches', name);
  const body = html`<p><a href="${agentPath(agentId, 'branches')}">← Branches</a></p>
    <h1>Branch ${name}</h1>
    <p>
      ${diff.parentMoved ? html`<span class="warn">The agent changed since this branch forked: a merge replays the branch's changes onto it.</span>` : 'The agent has not changed since the fork: a merge makes the branch the agent (fast-forward).'}
      ${diff.conflicts.length ? html` <b class="bad">${diff.conflicts.length} conflicting change${diff.conflicts.length === 1 ? '' : 's'}.</b>` : ''}
    </p>
    <p><a class="button" href="${self}/merge">Merge…</a> <a class="button" href="${self}/discard">Discard…</a></p>
    <h2>Changes by table</h2>
    ${
      diff.tables.length === 0
        ? html`<p class="card muted">No changes on this branch.</p>`
        : html`<table>
            <thead>
              <tr>
                <th scope="col">Table</th>
                <th scope="col" class="num">Added</th>
                <th scope="col" class="num">Changed</th>
                <th scope="col" class="num">Removed</th>
              </tr>
            </thead>
            <tbody>
              ${diff.tables.map(
                (t) =>
                  html`<tr>
                    <td>${t.table}</td>
                    <td class="num ok">${t.added}</td>
                    <td class="num warn">${t.changed}</td>
                    <td class="num bad">${t.removed}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${
      items.length
        ? html`<h2>Each change (agent → branch)</h2>
            <ol class="diff">
              ${items}
            </ol>`
        : ''
    }
    ${diff.changes.length > MAX_CHANGES ? html`<p class="muted">First ${MAX_CHANGES} of ${count(diff.changes.length)} changes shown.</p>` : ''}`;
  return {
    status: error ? status : 200,
    body: layout(c, { title: `Branch ${name}`, agentId, tab: 'branches', body, flash: error ? { text: error, error: true } : undefined }),
  };
}

/** GET /agents/<id>/branches/<name>/merge: confirmation with the policy. */
export async function mergeConfirm(c: AgentContext): Promise<Reply> {
  const name = c.params.name!;
  const diff = await c.agent.branches.diff(name);
  const self = agentPath(c.agentId, 'branches', name);
  const body = confirmPanel(c, {
    question: `Merge branch ${name} into ${c.agentId}?`,
    detail: html`<p>
      ${diff.changes.length} change${diff.changes.length === 1 ? '' : 's'} will be written to the agent; the branch is
      consumed.${
        diff.conflicts.length
          ? html` <b class="bad">${diff.conflicts.length} conflict${diff.conflicts.length === 1 ? '' : 's'}</b>: choose how to settle them.`
          : ''
      }
    </p>`,
    fields: html`<p>
      <label
        >On conflicts
        <select name="policy">
          <option value="fail">fail: change nothing if any row conflicts</option>
          <option value="ours">ours: keep the agent's version</option>
          <option value="theirs">theirs: take the branch's version</option>
        </select></label
      >
    </p>`,
    action: `${self}/merge`,
    button: 'Merge',
    back: self,
  });
  return { body: layout(c, { title: `Merge ${name}?`, agentId: c.agentId, tab: 'branches', body }) };
}

/** POST /agents/<id>/branches/<name>/merge */
export async function mergeBranch(c: AgentContext): Promise<Reply> {
  const name = c.params.name!;
  const policyIn = c.form.get('policy') ?? 'fail';
  const policy = POLICIES.includes(policyIn as MergePolicy) ? (policyIn as MergePolicy) : 'fail';
  try {
    await c.agent.branches.merge(name, { policy });
  } catch (err) {
    if ((err as { code?: string }).code === 'CONFLICT') return branchPage(c, `Not merged: ${errorText(err)}`, 409);
    throw err;
  }
  return { redirect: `${agentPath(c.agentId, 'branches')}?done=merged&name=${encodeURIComponent(name)}` };
}

/** GET /agents/<id>/branches/<name>/discard */
export async function discardConfirm(c: AgentContext): Promise<Reply> {
  const name = c.params.name!;
  const diff = await c.agent.branches.diff(name);
  const self = agentPath(c.agentId, 'branches', name);
  const body = confirmPanel(c, {
    question: `Discard branch ${name}?`,
    detail: html`<p>
      Its ${diff.changes.length} change${diff.changes.length === 1 ? '' : 's'} are deleted with it; the agent is not touched. This cannot be
      undone.
    </p>`,
    action: `${self}/discard`,
    button: 'Discard',
    back: self,
  });
  return { body: layout(c, { title: `Discard ${name}?`, agentId: c.agentId, tab: 'branches', body }) };
}

/** POST /agents/<id>/branches/<name>/discard */
export async function discardBranch(c: AgentContext): Promise<Reply> {
  const name = c.params.name!;
  await c.agent.branches.discard(name);
  return { redirect: `${agentPath(c.agentId, 'branches')}?done=discarded&name=${encodeURIComponent(name)}` };
}

async function snapshotNamed(c: AgentContext): Promise<string> {
  const name = c.params.name!;
  const found = (await c.agent.snapshots.list()).find((s) => s.name === name);
  if (!found) throw new EngramError('NOT_FOUND', `agent ${c.agentId} has no snapshot ${name}`);
  return found.name;
}

/** GET /agents/<id>/snapshots/<name>/restore */
export async function restoreConfirm(c: AgentContext): Promise<Reply> {
  const name = await snapshotNamed(c);
  const body = confirmPanel(c, {
    question: `Restore snapshot ${name}?`,
    detail: html`<p>
      The agent's current state is replaced by the snapshot's. Everything written since it was taken is lost unless you take a snapshot
      first.
    </p>`,
    action: agentPath(c.agentId, 'snapshots', name, 'restore'),
    button: 'Restore',
    back: agentPath(c.agentId, 'branches'),
  });
  return { body: layout(c, { title: `Restore ${name}?`, agentId: c.agentId, tab: 'branches', body }) };
}

/** POST /agents/<id>/snapshots/<name>/restore */
export async function restoreSnapshot(c: AgentContext): Promise<Reply> {
  const name = await snapshotNamed(c);
  await c.agent.snapshots.restore(name);
  return { redirect: `${agentPath(c.agentId, 'branches')}?done=restored&name=${encodeURIComponent(name)}` };
}

/** POST /agents/<id>/snapshots: take one (optionally named). */
export async function takeSnapshot(c: AgentContext): Promise<Reply> {
  const name = textParam(c.form, 'name', 128);
  try {
    const info = await c.agent.snapshots.create(name);
    return { redirect: `${agentPath(c.agentId, 'branches')}?done=snapshot&name=${encodeURIComponent(info.name)}` };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'INVALID_ARGUMENT' || code === 'CONFLICT') return branchesPage(c, errorText(err));
    throw err;
  }
}
