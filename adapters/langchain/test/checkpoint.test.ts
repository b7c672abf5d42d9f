import { emptyCheckpoint, uuid6 } from '@langchain/langgraph-checkpoint';
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { END, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { beforeEach, describe, expect, it } from 'vitest';
import { EngramCheckpointSaver } from '../src/checkpoint/engram-saver.js';
import { DRIVER_NAMES, expectCode, openEngram } from './helpers.js';

const meta = { source: 'input' as const, step: -1, parents: {} };

describe.each(DRIVER_NAMES)('EngramCheckpointSaver on %s', (driver) => {
  it('checkpoints a real graph: state survives closing the agent, history is listed newest first', async () => {
    const agent = await (await openEngram(driver)).agent('graph');
    const build = () =>
      new StateGraph(MessagesAnnotation)
        .addNode('echo', (s) => ({ messages: [`echo: ${String(s.messages.at(-1)!.content)}`] }))
        .addEdge(START, 'echo')
        .addEdge('echo', END)
        .compile({ checkpointer: new EngramCheckpointSaver(agent) });
    const config = { configurable: { thread_id: 't1' } };
    await build().invoke({ messages: [new HumanMessage('one')] }, config);
    await agent.close();
    const graph = build();
    await graph.invoke({ messages: [new HumanMessage('two')] }, config);
    const state = await graph.getState(config);
    expect(state.values.messages.map((m: HumanMessage) => m.content)).toEqual(['one', 'echo: one', 'two', 'echo: two']);
    const history = [];
    for await (const snapshot of graph.getStateHistory(config)) history.push(snapshot.metadata?.step);
    expect(history).toEqual([4, 3, 2, 1, 0, -1]);
    expect((await graph.getState({ configurable: { thread_id: 'other' } })).values).toEqual({});
  });

  it('migrates a database from before values were keyed by their writer: old checkpoints read as before, forks leave them alone', async () => {
    const engram = await openEngram(driver);
    let agent = await engram.agent('legacy');
    const build = () =>
      new StateGraph(MessagesAnnotation)
        .addNode('echo', (s) => ({ messages: [new AIMessage(`echo: ${String(s.messages.at(-1)!.content)}`)] }))
        .addEdge(START, 'echo')
        .addEdge('echo', END)
        .compile({ checkpointer: new EngramCheckpointSaver(agent) });
    const config = { configurable: { thread_id: 't' } };
    for (const text of ['one', 'two', 'three']) await build().invoke({ messages: [new HumanMessage(text)] }, config);
    // Back to the old layout: values under their plain channel version, no channel_refs column.
    await agent.use(async (s) => {
      await s.conn.run(`UPDATE lc_checkpoint_blobs SET version = substr(version, 1, instr(version, '@') - 1)`);
      await s.conn.exec('ALTER TABLE lc_checkpoints DROP COLUMN channel_refs');
      // Older versions of the adapter recorded no table set in the agent database.
      await s.conn.run(`DELETE FROM engram_meta WHERE key = 'tables:langchain.checkpoints'`);
    });
    await agent.close();
    agent = await engram.agent('legacy');
    const history = async () => {
      const out: { id: string; messages: string[] }[] = [];
      for await (const s of build().getStateHistory(config)) {
        out.push({ id: s.config.configurable!.checkpoint_id as string, messages: s.values.messages.map((m: AIMessage) => m.content) });
      }
      return out;
    };
    const before = await history();
    expect(before[0]!.messages).toEqual(['one', 'echo: one', 'two', 'echo: two', 'three', 'echo: three']);
    // Fork from the end of turn 1 and run a turn there: the old branch must not change.
    const graph = build();
    const end1 = before.find((s) => s.messages.length === 2)!;
    const forked = await graph.updateState(
      { configurable: { thread_id: 't', checkpoint_id: end1.id } },
      { messages: [new HumanMessage('edited')] },
    );
    const state = await graph.invoke({ messages: [new HumanMessage('four')] }, forked);
    expect(state.messages.map((m) => m.content)).toEqual(['one', 'echo: one', 'edited', 'four', 'echo: four']);
    const after = await history();
    expect(after.filter((s) => before.some((b) => b.id === s.id))).toEqual(before);
    expect(after).toHaveLength(before.length + 4); // the update, then input, step 0 and step 1 of the turn
  });

  it('never changes a stored value: siblings with one channel version and a checkpoint put again keep their own', async () => {
    const saver = new EngramCheckpointSaver(await (await openEngram(driver)).agent('siblings'));
    const at = (id?: string) => ({ configurable: { thread_id: 't', checkpoint_ns: '', ...(id ? { checkpoint_id: id } : {}) } });
    const checkpoint = (id: string, value: string) => ({
      ...emptyCheckpoint(),
      id,
      channel_values: { c: value },
      channel_versions: { c: 2 },
    });
    const ids = [0, 1, 2, 3].map((i) => uuid6(i)); // uuid6 is time-based: each call makes a new id
    const values = async (id: string) => (await saver.getTuple(at(id)))?.checkpoint.channel_values;
    await saver.put(at(), checkpoint(ids[0]!, 'root'), meta, { c: 2 });
    // Two children of the root both write version 2 of c (a fork), then a grandchild inherits.
    await saver.put(at(ids[0]!), checkpoint(ids[1]!, 'first'), meta, { c: 2 });
    await saver.put(at(ids[0]!), checkpoint(ids[2]!, 'second'), meta, { c: 2 });
    await saver.put(at(ids[1]!), { ...checkpoint(ids[3]!, 'ignored'), channel_values: {} }, meta, {});
    expect(await values(ids[1]!)).toEqual({ c: 'first' });
    expect(await values(ids[2]!)).toEqual({ c: 'second' });
    expect(await values(ids[3]!)).toEqual({ c: 'first' });
    // Putting ids[1]! again changes it, not the grandchild that read its old value.
    await saver.put(at(ids[0]!), checkpoint(ids[1]!, 'rewritten'), meta, { c: 2 });
    expect(await values(ids[1]!)).toEqual({ c: 'rewritten' });
    expect(await values(ids[3]!)).toEqual({ c: 'first' });
    expect(await values(ids[0]!)).toEqual({ c: 'root' });
  });

  describe('refuses malformed checkpoints, configs without ids and bad filters, storing nothing', () => {
    let saver: EngramCheckpointSaver;
    const config = { configurable: { thread_id: 't', checkpoint_ns: '' } };
    beforeEach(async () => {
      saver = new EngramCheckpointSaver(await (await openEngram(driver)).agent('bad'));
    });
    const nothingStored = async () => expect(await saver.list({}).next()).toEqual({ done: true, value: undefined });

    it('put without a thread_id, saying where it goes', async () => {
      const err = await expectCode(saver.put({ configurable: {} }, emptyCheckpoint(), meta, {}), 'INVALID_ARGUMENT');
      expect(err.message).toMatch(/thread_id is missing.*configurable: \{ thread_id/);
      await nothingStored();
    });

    it('put of a checkpoint without an id, with bad channel values, or none at all', async () => {
      await expectCode(saver.put(config, { ...emptyCheckpoint(), id: '' }, meta, {}), 'INVALID_ARGUMENT');
      await expectCode(saver.put(config, { ...emptyCheckpoint(), channel_values: [] as never }, meta, {}), 'INVALID_ARGUMENT');
      await expectCode(saver.put(config, null as never, meta, {}), 'INVALID_ARGUMENT');
      await nothingStored();
    });

    it('put with missing metadata, bad new versions or a thread_id that is not a string', async () => {
      await expectCode(saver.put(config, emptyCheckpoint(), null as never, {}), 'INVALID_ARGUMENT');
      await expectCode(saver.put(config, emptyCheckpoint(), meta, { c: {} } as never), 'INVALID_ARGUMENT');
      await expectCode(saver.put({ configurable: { thread_id: { id: 1 } } }, emptyCheckpoint(), meta, {}), 'INVALID_ARGUMENT');
      await nothingStored();
    });

    it('putWrites without a checkpoint_id or a task id', async () => {
      await expectCode(saver.putWrites(config, [['c', 1]], 'task'), 'INVALID_ARGUMENT'); // no checkpoint_id
      await expectCode(
        saver.putWrites({ configurable: { ...config.configurable, checkpoint_id: uuid6(0) } }, [['c', 1]], ''),
        'INVALID_ARGUMENT',
      );
      await nothingStored();
    });

    it('deleteThread of an empty thread id', async () => {
      await expectCode(saver.deleteThread(''), 'INVALID_ARGUMENT');
    });

    it('list with an unknown filter operator or a negative limit', async () => {
      await expectCode(saver.list({}, { filter: { source: { $like: 'x' } } }).next(), 'INVALID_ARGUMENT');
      await expectCode(saver.list({}, { limit: -1 }).next(), 'INVALID_ARGUMENT');
    });

    it('getTuple without a thread_id finds nothing', async () => {
      expect(await saver.getTuple({ configurable: {} })).toBeUndefined();
    });
  });

  it('filters list() by metadata values of any JSON type', async () => {
    const saver = new EngramCheckpointSaver(await (await openEngram(driver)).agent('filters'));
    const put = (step: number, extra: Record<string, unknown>) =>
      saver.put({ configurable: { thread_id: 't' } }, { ...emptyCheckpoint(), id: uuid6(step) }, { ...meta, step, ...extra }, {});
    await put(0, { user: 'alice', ok: true });
    await put(1, { user: 'bob', ok: false });
    await put(2, { user: null });
    const steps = async (filter: Record<string, unknown>) => {
      const out = [];
      for await (const t of saver.list({ configurable: { thread_id: 't' } }, { filter })) out.push(t.metadata?.step);
      return out;
    };
    expect(await steps({ user: 'alice' })).toEqual([0]);
    expect(await steps({ ok: false })).toEqual([1]);
    expect(await steps({ user: null })).toEqual([2]);
    expect(await steps({ step: 1 })).toEqual([1]);
    expect(await steps({ ok: 0 })).toEqual([]);
  });
});
