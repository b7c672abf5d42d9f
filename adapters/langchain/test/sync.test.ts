/**
 * The LangChain adapters on a synced agent, against a real sync server (tursodb --sync-server on
 * loopback): chat messages and store items written on two replicas offline all survive, in time
 * order, and the same store key converges instead of wedging the sync.
 */
import { join } from 'node:path';
import { Engram, HashEmbedder } from '@engram/core';
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { describe, expect, it } from 'vitest';
import { SyncServer } from '../../../core/test/sync/sync-server.js';
import { EngramChatMessageHistory } from '../src/chat-history.js';
import { EngramStore } from '../src/store/engram-store.js';
import { onCleanup, tempDir } from './helpers.js';

async function replica(url: string): Promise<Engram> {
  const engram = await Engram.open({ dir: tempDir(), embedder: new HashEmbedder({ dims: 64 }), sync: { url, intervalMs: 0 } });
  onCleanup(() => engram.close());
  return engram;
}

describe('LangChain adapters on a synced agent (turso, real sync server)', () => {
  it('chat history and store written on two replicas offline converge', async () => {
    const remote = await SyncServer.start(join(tempDir(), 'remote.db'));
    onCleanup(() => remote.stop());
    const agentA = await (await replica(remote.url)).agent('lc');
    const historyA = new EngramChatMessageHistory({ agent: agentA, sessionId: 's1' });
    await historyA.addMessage(new HumanMessage('first, from the laptop'));
    await new EngramStore({ agent: agentA, index: false }).put(['prefs'], 'base', { theme: 'dark' });
    await agentA.sync();
    const agentB = await (await replica(remote.url)).agent('lc');
    const historyB = new EngramChatMessageHistory({ agent: agentB, sessionId: 's1' });
    await new Promise((r) => setTimeout(r, 5));
    await historyA.addMessage(new AIMessage('second, from the laptop'));
    await new Promise((r) => setTimeout(r, 5));
    await historyB.addMessage(new HumanMessage('third, from the server'));
    const storeA = new EngramStore({ agent: agentA, index: false });
    const storeB = new EngramStore({ agent: agentB, index: false });
    await storeA.put(['prefs'], 'lang', { value: 'fr' });
    await storeB.put(['prefs'], 'lang', { value: 'de' });
    await storeB.put(['prefs'], 'tz', { value: 'CET' });
    await agentA.sync();
    await agentB.sync(); // B pushes last: its value of the shared key wins
    await agentA.sync();
    for (const [history, store] of [
      [historyA, storeA],
      [historyB, storeB],
    ] as const) {
      expect((await history.getMessages()).map((m) => m.content)).toEqual([
        'first, from the laptop',
        'second, from the laptop',
        'third, from the server',
      ]);
      expect((await store.get(['prefs'], 'lang'))?.value).toEqual({ value: 'de' });
      expect((await store.get(['prefs'], 'tz'))?.value).toEqual({ value: 'CET' });
    }
  });
});
