/** Export, import and counts of everything an agent holds (see format.ts for the file format). */
export * from './format.js';
export { agentStats, type AgentStats } from './stats.js';
export { exportAgent, type ExportOptions } from './export.js';
export { importAgent, type ImportOptions, type ImportResult } from './import.js';
export { parseImport, fromMcpMemory, fromMem0, type ImportFormat, type ParsedImport } from './foreign.js';
