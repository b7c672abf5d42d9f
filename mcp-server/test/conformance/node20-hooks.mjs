// Module hooks for running @modelcontextprotocol/conformance on Node 20, which lacks
// fs.globSync (used only by its tier-check command, never by the server scenarios).
export async function resolve(specifier, context, next) {
  if ((specifier === 'fs' || specifier === 'node:fs') && context.parentURL?.includes('/@modelcontextprotocol/conformance/')) {
    return { url: new URL('./node20-fs.mjs', import.meta.url).href, shortCircuit: true };
  }
  return next(specifier, context);
}
