/** agent.files (being written). */
import type { AgentRuntime } from '../agent-state.js';

export class FileStore {
  constructor(protected readonly rt: AgentRuntime) {}
}
