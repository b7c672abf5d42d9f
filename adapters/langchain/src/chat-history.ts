/**
 * `EngramChatMessageHistory`: a LangChain chat history per session id, kept in the agent's
 * `lc_chat_messages` table in LangChain's stored-message JSON form. Appends are one
 * transaction per call, so concurrent writers never lose messages.
 */
import { defineTables, type Agent, mintId } from '@engram/core';
import { BaseListChatMessageHistory } from '@langchain/core/chat_history';
import {
  mapChatMessagesToStoredMessages,
  mapStoredMessagesToChatMessages,
  type BaseMessage,
  type StoredMessage,
} from '@langchain/core/messages';
import { withTables } from './agent-tables.js';
import { invalid } from './errors.js';

const CHAT_SCHEMA = defineTables({
  name: 'langchain.chat',
  statements: [
    `CREATE TABLE IF NOT EXISTS lc_chat_messages (
      id INTEGER PRIMARY KEY,
      session_id TEXT NOT NULL,
      message TEXT NOT NULL,
      created_at INTEGER NOT NULL
    )`,
    'CREATE INDEX IF NOT EXISTS lc_chat_messages_session ON lc_chat_messages (session_id, id)',
  ],
  // No natural key: messages a branch adds are appended.
  units: [{ table: 'lc_chat_messages', key: [], rowid: 'id' }],
});

export interface EngramChatMessageHistoryInput {
  agent: Agent;
  /** Which conversation: 1 to 256 characters. */
  sessionId: string;
}

/**
 * The messages of one conversation, oldest first.
 * @example
 * const history = new EngramChatMessageHistory({ agent, sessionId: 'user-42' });
 * await history.addUserMessage('hi');
 * const messages = await history.getMessages();
 */
export class EngramChatMessageHistory extends BaseListChatMessageHistory {
  lc_namespace = ['engram', 'langchain', 'chat_history'];
  readonly agent: Agent;
  readonly sessionId: string;

  constructor(input: EngramChatMessageHistoryInput) {
    super(input);
    if (typeof input?.agent?.use !== 'function') throw invalid('EngramChatMessageHistory needs { agent }: an agent from engram.agent(id)');
    if (typeof input.sessionId !== 'string' || input.sessionId.length === 0 || input.sessionId.length > 256) {
      throw invalid('sessionId must be a string of 1 to 256 characters');
    }
    this.agent = input.agent;
    this.sessionId = input.sessionId;
  }

  async getMessages(): Promise<BaseMessage[]> {
    const rows = await withTables(this.agent, CHAT_SCHEMA, (s) =>
      s.conn.all<{ message: string }>('SELECT message FROM lc_chat_messages WHERE session_id = ? ORDER BY created_at, id', [
        this.sessionId,
      ]),
    );
    return mapStoredMessagesToChatMessages(rows.map((r) => JSON.parse(r.message) as StoredMessage));
  }

  async addMessage(message: BaseMessage): Promise<void> {
    await this.addMessages([message]);
  }

  override async addMessages(messages: BaseMessage[]): Promise<void> {
    if (!Array.isArray(messages)) throw invalid('addMessages takes an array of messages');
    if (messages.length === 0) return;
    const stored = mapChatMessagesToStoredMessages(messages).map((m) => JSON.stringify(m));
    const now = Date.now();
    await withTables(this.agent, CHAT_SCHEMA, (s) =>
      s.conn.transaction(async (tx) => {
        for (const message of stored) {
          // Ids from Engram's minter: replicas of a synced agent never collide (see core ids.ts).
          await tx.run('INSERT INTO lc_chat_messages (id, session_id, message, created_at) VALUES (?, ?, ?, ?)', [
            mintId(),
            this.sessionId,
            message,
            now,
          ]);
        }
      }),
    );
  }

  override async clear(): Promise<void> {
    await withTables(this.agent, CHAT_SCHEMA, (s) => s.conn.run('DELETE FROM lc_chat_messages WHERE session_id = ?', [this.sessionId]));
  }
}
