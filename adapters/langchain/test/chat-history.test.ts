import { AIMessage, HumanMessage, SystemMessage, ToolMessage } from '@langchain/core/messages';
import { describe, expect, it } from 'vitest';
import { EngramChatMessageHistory } from '../src/chat-history.js';
import { DRIVER_NAMES, expectCode, openEngram } from './helpers.js';

describe.each(DRIVER_NAMES)('EngramChatMessageHistory on %s', (driver) => {
  it('keeps each session apart, in order, with message types and tool calls intact', async () => {
    const agent = await (await openEngram(driver)).agent('chat');
    const a = new EngramChatMessageHistory({ agent, sessionId: 'a' });
    const b = new EngramChatMessageHistory({ agent, sessionId: 'b' });
    await a.addMessages([new SystemMessage('be brief'), new HumanMessage('hi')]);
    await b.addUserMessage('other session');
    await a.addMessage(new AIMessage({ content: '', tool_calls: [{ id: 'call-1', name: 'lookup', args: { q: 'tea' } }] }));
    await a.addMessage(new ToolMessage({ content: 'green', tool_call_id: 'call-1' }));
    await a.addAIMessage('Alice drinks green tea.');

    await agent.close();
    const again = new EngramChatMessageHistory({ agent, sessionId: 'a' });
    const messages = await again.getMessages();
    expect(messages.map((m) => m.getType())).toEqual(['system', 'human', 'ai', 'tool', 'ai']);
    expect(messages.map((m) => m.content)).toEqual(['be brief', 'hi', '', 'green', 'Alice drinks green tea.']);
    expect((messages[2] as AIMessage).tool_calls?.[0]).toMatchObject({ name: 'lookup', args: { q: 'tea' } });
    expect((messages[3] as ToolMessage).tool_call_id).toBe('call-1');

    await again.clear();
    expect(await again.getMessages()).toEqual([]);
    expect((await b.getMessages()).map((m) => m.content)).toEqual(['other session']);
  });

  it('refuses a missing session id or agent', async () => {
    const agent = await (await openEngram(driver)).agent('chat-bad');
    await expectCode(() => new EngramChatMessageHistory({ agent, sessionId: '' }), 'INVALID_ARGUMENT');
    await expectCode(() => new EngramChatMessageHistory({ agent: undefined as never, sessionId: 'x' }), 'INVALID_ARGUMENT');
  });
});
