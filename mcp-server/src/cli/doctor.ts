/**
 * `engram doctor [ID]`: finds what keeps agents from working and says how to fix each thing:
 * agents that cannot be opened (unreadable or damaged files, embedder or engine mismatch, a
 * newer schema, a held lock), failed integrity checks, and files a crash or a deleted agent
 * left behind (temporary files, side files without their database, branch and snapshot
 * folders of agents that are gone). `--fix` removes only leftovers that are safe to remove:
 * temporary files older than an hour and side files or folders of agents that no longer exist.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { AGENT_ID_PATTERN, EngramError, type Engram } from '@engram/core';
import { defineCommand, hasDataDir, dataDir, withEngram, type Command } from './context.js';
import { errorCode, EXIT } from './exit-codes.js';

export interface Finding {
  /** The agent it concerns, when one. */
  agent?: string;
  /** A stable kind: unreadable, embedder-mismatch, engine-mismatch, newer-schema, locked, integrity, leftover-temp, orphan-side-file, orphan-folder, stray-file. */
  kind: string;
  /** A file or folder, relative to the data directory. */
  path?: string;
  message: string;
  /** What to do about it. */
  fix: string;
  /** Whether `--fix` removed it. */
  fixed?: boolean;
}

const HOUR_MS = 3_600_000;
const SIDE = /^(.*\.db)-(wal|shm|log|journal|tshm)$/;
const FOLDER = /^(.*)\.(branches|snapshots)$/;

const quote = (p: string) => `'${p.replaceAll("'", "'\\''")}'`;

/** Checks one agent by opening it; returns its findings and, when it opened, its integrity verdict. */
async function checkAgent(engram: Engram, id: string, dirOpt: string): Promise<Finding[]> {
  const path = engram.pathOf(id);
  try {
    const agent = await engram.agent(id, { create: false });
    const rows = await agent.use((s) => s.conn.all<Record<string, unknown>>('PRAGMA integrity_check'));
    await agent.close();
    const verdicts = rows.map((r) => String(Object.values(r)[0]));
    if (verdicts.length === 1 && verdicts[0] === 'ok') return [];
    return [
      {
        agent: id,
        kind: 'integrity',
        message: `the integrity check of agent ${id} failed: ${verdicts.slice(0, 3).join('; ')}`,
        fix: `save what can be read (engram export ${id}${dirOpt} --out ${id}.jsonl), then import it into a new agent (engram import ${id}-restored ${id}.jsonl${dirOpt}), or restore a snapshot`,
      },
    ];
  } catch (err) {
    const code = errorCode(err);
    const message = (err as Error).message;
    const fixes: Record<string, [string, string]> = {
      EMBEDDER_MISMATCH: ['embedder-mismatch', `engram reembed ${id}${dirOpt} (or use the embedder that made its vectors)`],
      ENGINE_MISMATCH: ['engine-mismatch', `open this directory with the driver named above (--driver)`],
      UNSUPPORTED: ['newer-schema', 'upgrade Engram to a version that knows this schema'],
      LOCKED: ['locked', 'another process is writing to it: try again, or stop that process'],
    };
    const [kind, fix] = fixes[code] ?? [
      'unreadable',
      (err as NodeJS.ErrnoException).code === 'EACCES' || /permission/i.test(message)
        ? `give this user read and write access: chmod u+rw ${quote(path)}`
        : `if it is encrypted, open it with its key; otherwise move ${quote(path)} aside and restore the agent from an export (engram import ${id} FILE${dirOpt}) or a snapshot`,
    ];
    return [{ agent: id, kind, path: relative(engram.root, path), message: `agent ${id}: ${message}`, fix }];
  }
}

/** Files in the agents' folders that a crash or a deleted agent left behind. */
function leftovers(root: string, only: string | undefined, fix: boolean): Finding[] {
  const out: Finding[] = [];
  const agentsDir = join(root, 'agents');
  const shards = existsSync(agentsDir) ? readdirSync(agentsDir) : [];
  const now = Date.now();
  const add = (f: Finding, removable: boolean, full: string) => {
    if (fix && removable) {
      rmSync(full, { recursive: true, force: true });
      f.fixed = true;
    }
    out.push(f);
  };
  for (const shard of shards) {
    const dir = join(agentsDir, shard);
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    const owner = (name: string) => name.replace(/\.db.*$/, '').replace(FOLDER, '$1');
    for (const name of entries) {
      const full = join(dir, name);
      const rel = relative(root, full);
      if (only !== undefined && owner(name) !== only) continue;
      const side = SIDE.exec(name);
      const folder = FOLDER.exec(name);
      if (name.endsWith('.tmp')) {
        const age = now - (statSync(full, { throwIfNoEntry: false })?.mtimeMs ?? now);
        add(
          {
            kind: 'leftover-temp',
            path: rel,
            message: `leftover temporary file ${rel} (${Math.round(age / 60_000)} min old)`,
            fix: `rm ${quote(full)} when no Engram process is running (or engram doctor --fix)`,
          },
          age > HOUR_MS,
          full,
        );
      } else if (side && !existsSync(join(dir, side[1]!))) {
        add(
          {
            kind: 'orphan-side-file',
            path: rel,
            message: `${rel} belongs to a database that no longer exists`,
            fix: `rm ${quote(full)} (or engram doctor --fix)`,
          },
          true,
          full,
        );
      } else if (folder) {
        const agentDb = join(dir, `${folder[1]}.db`);
        if (!existsSync(agentDb)) {
          add(
            {
              kind: 'orphan-folder',
              path: rel,
              message: `${rel} holds ${folder[2]} of an agent that no longer exists`,
              fix: `rm -r ${quote(full)} (or engram doctor --fix)`,
            },
            true,
            full,
          );
        } else {
          for (const inner of readdirSync(full)) {
            if (!inner.endsWith('.tmp')) continue;
            const innerFull = join(full, inner);
            const age = now - (statSync(innerFull, { throwIfNoEntry: false })?.mtimeMs ?? now);
            add(
              {
                agent: folder[1],
                kind: 'leftover-temp',
                path: relative(root, innerFull),
                message: `leftover temporary file of a branch or snapshot: ${relative(root, innerFull)} (${Math.round(age / 60_000)} min old)`,
                fix: `rm ${quote(innerFull)} when no Engram process is running (or engram doctor --fix)`,
              },
              age > HOUR_MS,
              innerFull,
            );
          }
        }
      } else if (name.endsWith('.db') && !AGENT_ID_PATTERN.test(name.slice(0, -3))) {
        out.push({
          kind: 'stray-file',
          path: rel,
          message: `${rel} is not named like an agent, so Engram never lists it`,
          fix: `rename it to a valid agent id (a-z, 0-9, - and _) or move it out of ${agentsDir}`,
        });
      }
    }
  }
  return out;
}

const doctor = defineCommand({
  name: 'doctor',
  summary: 'check agents and the data directory; say how to fix each problem',
  usage: `Usage: engram doctor [ID] [--fix]
  Opens every agent (or ID) and runs an integrity check; reports unreadable agents, embedder and
  engine mismatches, newer schemas, held locks, and leftover files (temporary files, side files and
  branch folders of deleted agents), each with its fix. --fix removes leftovers that are safe to
  remove. Exit 0 when all is well, 6 when anything was found.`,
  options: { fix: { type: 'boolean' } },
  async run(args, out) {
    args.noMoreThan(1);
    const only = args.positionals[0];
    if (!hasDataDir(args)) {
      if (out.json) out.data({ dir: dataDir(args), agents: [], findings: [] });
      else out.note(`No data directory at ${dataDir(args)}: nothing to check.`);
      return EXIT.OK;
    }
    const dirOpt = args.str('dir') !== undefined ? ` --dir ${quote(dataDir(args))}` : '';
    return withEngram(args, async (engram) => {
      const ids = only !== undefined ? [only] : await engram.list();
      if (only !== undefined && !(await engram.has(only))) {
        const findings = leftovers(engram.root, only, args.bool('fix'));
        if (findings.length === 0) throw new EngramError('NOT_FOUND', `agent ${only} does not exist in ${engram.root}`);
      }
      // Leftovers first: opening an agent sweeps its own crashed branch copies, which would hide them.
      const found = leftovers(engram.root, only, args.bool('fix'));
      const findings: Finding[] = [];
      const checked: { id: string; ok: boolean }[] = [];
      for (const id of ids) {
        if (!(await engram.has(id))) continue;
        const f = await checkAgent(engram, id, dirOpt);
        checked.push({ id, ok: f.length === 0 });
        findings.push(...f);
      }
      findings.push(...found);
      const open = findings.filter((f) => !f.fixed);
      if (out.json) {
        out.data({ dir: engram.root, agents: checked, findings });
      } else {
        const c = out.c;
        for (const a of checked) if (a.ok) out.line(`${c.green('ok')}       ${a.id}`);
        for (const f of findings) {
          out.line(`${f.fixed ? c.green('fixed') : c.red('problem')}  ${f.message}`);
          if (!f.fixed) out.line(`         ${c.dim('fix:')} ${f.fix}`);
        }
        out.note(
          open.length === 0
            ? `${checked.length} agent(s) checked: all well.`
            : `${checked.length} agent(s) checked: ${open.length} problem(s).`,
        );
      }
      return open.length === 0 ? EXIT.OK : EXIT.PROBLEMS;
    });
  },
});

export const DOCTOR_COMMANDS: Command[] = [doctor];
