/**
 * What a file's bytes are: text or binary (valid UTF-8 without NUL bytes counts as text), its
 * MIME type (from a small table of extensions, else text/plain or application/octet-stream),
 * and its sha256. Text files are chunked and indexed for search; binary files are stored only.
 */
import { createHash } from 'node:crypto';

const MIME = new Map<string, string>(
  Object.entries({
    txt: 'text/plain',
    log: 'text/plain',
    md: 'text/markdown',
    markdown: 'text/markdown',
    csv: 'text/csv',
    tsv: 'text/tab-separated-values',
    html: 'text/html',
    htm: 'text/html',
    css: 'text/css',
    xml: 'application/xml',
    svg: 'image/svg+xml',
    json: 'application/json',
    jsonl: 'application/jsonl',
    yaml: 'application/yaml',
    yml: 'application/yaml',
    toml: 'application/toml',
    js: 'text/javascript',
    mjs: 'text/javascript',
    cjs: 'text/javascript',
    ts: 'text/typescript',
    tsx: 'text/typescript',
    jsx: 'text/javascript',
    py: 'text/x-python',
    rs: 'text/x-rust',
    go: 'text/x-go',
    java: 'text/x-java',
    c: 'text/x-c',
    h: 'text/x-c',
    cpp: 'text/x-c++',
    sh: 'application/x-sh',
    sql: 'application/sql',
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    gif: 'image/gif',
    webp: 'image/webp',
    ico: 'image/vnd.microsoft.icon',
    pdf: 'application/pdf',
    zip: 'application/zip',
    gz: 'application/gzip',
    tar: 'application/x-tar',
    wasm: 'application/wasm',
    mp3: 'audio/mpeg',
    wav: 'audio/wav',
    mp4: 'video/mp4',
    db: 'application/vnd.sqlite3',
    sqlite: 'application/vnd.sqlite3',
  }),
);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as a string if they are valid UTF-8, else undefined. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** The text of `bytes` when they count as text (valid UTF-8, no NUL byte), else undefined. */
export function textOf(bytes: Uint8Array): string | undefined {
  return bytes.includes(0) ? undefined : decodeUtf8(bytes);
}

/** MIME type by extension; files with an unknown extension are typed by their content. */
export function mimeOf(path: string, isText: boolean): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  const known = dot > 0 ? MIME.get(name.slice(dot + 1).toLowerCase()) : undefined;
  return known ?? (isText ? 'text/plain' : 'application/octet-stream');
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
