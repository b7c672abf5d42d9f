/**
 * The memory commands through the real bin: remember, recall with its score parts and supersede
 * chain, memories with filters, history, and forget's confirmation (asked on a terminal, refused
 * without one unless --yes). Also the contract every command keeps: data only on stdout, errors
 * on stderr (JSON with --json), documented exit codes, colour only on a terminal.
 */
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { cli, json, onTty } from './run-cli.js';

interface Memory {
  id: string;
  text: string;
  validTo: string | null;
  supersedes: string | null;
  supersededBy: string | null;
}

async function remember(dir: string, text: string, ...flags: string[]): Promise<string> {
  const run = await cli(['remember', 'ann', text, '--dir', dir, ...flags]);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toMatch(/^mem_[0-9a-f]{32}\n$/);
  return run.stdout.trim();
}

describe('engram memory commands', () => {
  it('recalls with the parts of each score and the supersede chain', async () => {
    const dir = tempDir();
    const paris = await remember(dir, 'Ann lives in Paris', '--tag', 'home', '--meta', 'speaker=Ann', '--valid-from', '2024-03-01');
    const lyon = await remember(dir, 'Ann moved to Lyon in June', '--supersedes', paris, '--valid-from', '2024-06-03', '--tag', 'home');
    await remember(dir, 'Ann drinks green tea every morning', '--kind', 'preference', '--importance', '0.9');

    const run = await cli(['recall', 'ann', 'where did Ann move in June', '--dir', dir, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const { results } = json<{
      results: { rank: number; score: number; parts: Record<string, unknown>; memory: Memory; chain: Memory[] }[];
    }>(run);
    const top = results[0]!;
    expect(top.memory.id).toBe(lyon);
    expect(top.parts).toMatchObject({ vector: { rank: expect.any(Number) }, text: { rank: 1 }, timeHint: 'in June' });
    expect(top.chain.map((m) => m.id)).toEqual([paris, lyon]);
    // the superseded version is not a current fact
    expect(results.map((r) => r.memory.id)).not.toContain(paris);

    const text = await cli(['recall', 'ann', 'where did Ann move in June', '--dir', dir, '--limit', '1']);
    expect(text.stdout).toContain(`${lyon}  fact · 2024-06-03 00:00 · tags: home`);
    expect(text.stdout).toMatch(/why: vector #\d \(cos [\d.]+\) · text #1 \(bm25 [\d.]+\) · fused [\d.]+ · time hint "in June"/);
    expect(text.stdout).toContain(`chain: supersedes ${paris} "Ann lives in Paris" (2024-03-01 00:00)`);
    expect(text.stdout).not.toContain('\u001b['); // no colour into a pipe

    const past = json<{ results: { memory: Memory }[] }>(
      await cli(['recall', 'ann', 'where does Ann live', '--as-of', '2024-04-01', '--dir', dir, '--json']),
    );
    expect(past.results[0]!.memory.id).toBe(paris);
    const textOnly = json<{ results: { parts: Record<string, unknown> }[] }>(
      await cli(['recall', 'ann', 'tea', '--mode', 'text', '--dir', dir, '--json']),
    );
    expect(textOnly.results).toHaveLength(1);
    expect(textOnly.results[0]!.parts.vector).toBeUndefined();
    const preferred = json<{ results: { memory: Memory; parts: { preferred?: boolean } }[] }>(
      await cli(['recall', 'ann', 'Ann', '--prefer', 'speaker=Ann', '--include-superseded', '--dir', dir, '--json']),
    );
    expect(preferred.results.find((r) => r.memory.id === paris)!.parts.preferred).toBe(true);

    const history = await cli(['history', 'ann', lyon, '--dir', dir]);
    expect(history.stdout).toMatch(new RegExp(`1\\. ${paris}[^\\n]*superseded [0-9-]+ [0-9:]+ by ${lyon}\\n\\s+Ann lives in Paris`));
    expect(history.stdout).toContain(`2. ${lyon}`);

    const listed = json<{ total: number; memories: Memory[] }>(
      await cli(['memories', 'ann', '--tag', 'home', '--include-superseded', '--dir', dir, '--json']),
    );
    expect(listed.total).toBe(2);
    expect(listed.memories.map((m) => m.id)).toEqual([lyon, paris]);
    const prefs = json<{ total: number }>(await cli(['memories', 'ann', '--kind', 'preference', '--dir', dir, '--json']));
    expect(prefs.total).toBe(1);
  });

  it('forget asks on a terminal, refuses without one unless --yes', async () => {
    const dir = tempDir();
    const keep = await remember(dir, 'keep me');
    const drop = await remember(dir, 'drop me', '--tag', 'temp');
    await remember(dir, 'drop me too', '--tag', 'temp');

    const refused = await cli(['forget', 'ann', drop, '--dir', dir]);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('pass --yes');
    expect(json<{ total: number }>(await cli(['memories', 'ann', '--dir', dir, '--json'])).total).toBe(3);

    const declined = await onTty(['forget', 'ann', drop, '--dir', dir], { answer: 'n' });
    expect(declined.screen).toContain(`Forget ${drop} ("drop me") of agent ann? [y/N]`);
    expect(declined.code).toBe(5);
    expect(json<{ total: number }>(await cli(['memories', 'ann', '--dir', dir, '--json'])).total).toBe(3);

    const confirmed = await onTty(['forget', 'ann', drop, '--dir', dir], { answer: 'y' });
    expect(confirmed.code, confirmed.screen).toBe(0);
    expect(confirmed.screen).toContain('Forgot 1 memory.');

    const preview = await onTty(['forget', 'ann', '--tag', 'temp', '--dir', dir], { answer: 'no' });
    expect(preview.code).toBe(5);
    expect(preview.screen).toMatch(/mem_[0-9a-f]{32}\S*\s+drop me too[\s\S]*Forget 1 memory of agent ann matching the filters\? \[y\/N\]/);
    const byFilter = await cli(['forget', 'ann', '--tag', 'temp', '--yes', '--dir', dir, '--json']);
    expect(json(byFilter)).toEqual({ agent: 'ann', forgotten: 1 });
    const left = json<{ memories: Memory[] }>(await cli(['memories', 'ann', '--dir', dir, '--json']));
    expect(left.memories.map((m) => m.id)).toEqual([keep]);

    expect((await cli(['forget', 'ann', '--dir', dir])).code).toBe(2); // nothing named: usage
    expect((await cli(['forget', 'ann', 'mem_00000000000000000000000000000000', '--yes', '--dir', dir])).code).toBe(3);
  });

  it('keeps stdout for data, reports errors with documented exit codes, and colours only a terminal', async () => {
    const dir = tempDir();
    await remember(dir, 'colourful memory');
    const missing = await cli(['recall', 'nobody', 'x', '--dir', dir]);
    expect(missing.code).toBe(3);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain('agent nobody does not exist');
    expect((await cli(['agents', '--dir', dir, '--json'])).stdout).not.toContain('nobody'); // reading created nothing

    const badFlag = await cli(['recall', 'ann', 'x', '--bogus', '--dir', dir, '--json']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stdout).toBe('');
    expect(JSON.parse(badFlag.stderr)).toMatchObject({ error: { code: 'USAGE', exitCode: 2 } });
    const badId = await cli(['recall', 'Not An Id', 'x', '--dir', dir]);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain('invalid agent id');
    expect((await cli(['recall', 'ann', 'x', '--mode', 'fuzzy', '--dir', dir])).code).toBe(2);
    expect((await cli(['recall', 'ann', '--dir', dir])).stderr).toContain('Usage: engram recall');
    const help = await cli(['recall', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: engram recall ID "query"');
    const top = await cli(['--help']);
    expect(top.stdout).toContain('engram doctor');

    const tty = await onTty(['memories', 'ann', '--dir', dir]);
    expect(tty.screen).toContain('\u001b[36mmem_'); // ids in cyan on a terminal
    const noColor = await onTty(['memories', 'ann', '--dir', dir], { env: { NO_COLOR: '1' } });
    expect(noColor.screen).toContain('colourful memory');
    expect(noColor.screen).not.toContain('\u001b[');
  });
});
