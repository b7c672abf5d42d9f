/**
 * TransformersEmbedder: sentence embeddings from an ONNX transformer model run by the optional
 * dependency `@xenova/transformers` (imported dynamically, so core works without it). Offline by
 * default: models load from a local directory and nothing is downloaded unless
 * `allowRemoteModels: true`. Owns model-path resolution and the serialised access to the
 * library's process-global `env` settings during loads.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { EngramError, isEngramError } from '../util/errors.js';
import type { Embedder } from './types.js';
import { validateVectors } from './validate.js';

/** Options of {@link TransformersEmbedder.create}. */
export interface TransformersEmbedderOptions {
  /**
   * A model name such as `Xenova/all-MiniLM-L6-v2` (looked up under `localModelPath`, the
   * download cache, and, when allowed, the Hugging Face Hub) or the path of a model directory
   * (holding config.json, tokenizer.json and onnx/model_quantized.onnx or onnx/model.onnx).
   */
  model: string;
  /** Directory that contains model directories named like `model`. */
  localModelPath?: string;
  /** Allow downloading the model from the Hugging Face Hub when it is not on disk (default false). */
  allowRemoteModels?: boolean;
  /** Use the int8-quantised ONNX file `onnx/model_quantized.onnx` (default true). */
  quantized?: boolean;
  /** How token vectors become one sentence vector (default `mean`, masked by attention). */
  pooling?: 'mean' | 'cls';
  /** Unit-normalise output vectors (default true). */
  normalize?: boolean;
  /** Texts per model call (default 32). */
  batchSize?: number;
  /**
   * Embedder id recorded in databases; default `transformers:<model>` (the directory's name when
   * `model` is a path) plus `:q8` when quantised.
   */
  id?: string;
  /** Where downloaded models are cached; default the library's own cache directory. */
  cacheDir?: string;
}

/** The parts of `@xenova/transformers` this module uses. */
interface TensorLike {
  dims: number[];
  data: ArrayLike<number>;
}
interface FeatureExtractor {
  (texts: string[], options: { pooling: 'mean' | 'cls'; normalize: boolean }): Promise<TensorLike>;
  dispose?(): Promise<void>;
}
interface TransformersModule {
  env: {
    allowRemoteModels: boolean;
    allowLocalModels: boolean;
    localModelPath: string;
    cacheDir: string | null;
  };
  pipeline(
    task: 'feature-extraction',
    model: string,
    options: { quantized: boolean; local_files_only: boolean; cache_dir?: string },
  ): Promise<FeatureExtractor>;
}

const PACKAGE = '@xenova/transformers';
const PROBE_TEXT = 'dimension probe';

let modulePromise: Promise<TransformersModule> | undefined;
/** Loads run one at a time because they read the library's global `env`. */
let loadQueue: Promise<unknown> = Promise.resolve();

/**
 * Embedder over a local (or, when allowed, downloaded) transformers model. `dims` is only known
 * once the model runs, so instances come from the async {@link TransformersEmbedder.create}.
 */
export class TransformersEmbedder implements Embedder {
  readonly id: string;
  readonly dims: number;
  /**
   * Local directory of the model (`localModelPath/model`, or the directory given). When it lacks
   * the model, the copy in the download cache was used.
   */
  readonly modelLocation: string;
  private readonly extractor: FeatureExtractor;
  private readonly pooling: 'mean' | 'cls';
  private readonly normalize: boolean;
  private readonly batchSize: number;
  private closed = false;

  private constructor(
    init: { id: string; dims: number; modelLocation: string; extractor: FeatureExtractor },
    options: Required<Pick<TransformersEmbedderOptions, 'pooling' | 'normalize' | 'batchSize'>>,
  ) {
    this.id = init.id;
    this.dims = init.dims;
    this.modelLocation = init.modelLocation;
    this.extractor = init.extractor;
    this.pooling = options.pooling;
    this.normalize = options.normalize;
    this.batchSize = options.batchSize;
  }

  /**
   * Loads the model and measures its output size by embedding one probe text. Throws NOT_FOUND
   * when the model is not on disk and downloads are not allowed, UNSUPPORTED when
   * `@xenova/transformers` is not installed.
   */
  static async create(options: TransformersEmbedderOptions): Promise<TransformersEmbedder> {
    const opts = checkOptions(options);
    const quantized = opts.quantized ?? true;
    const allowRemote = opts.allowRemoteModels ?? false;
    const cacheDir = opts.cacheDir === undefined ? undefined : resolve(opts.cacheDir);
    const tf = await importTransformers();
    const where = resolveModel(opts.model, opts.localModelPath, tf.env.localModelPath);
    if (!allowRemote) {
      const found = findLocalModel(where, quantized, cacheDir ?? tf.env.cacheDir ?? undefined);
      if (!found.ok) {
        throw new EngramError(
          'NOT_FOUND',
          `Transformers model '${opts.model}' not found locally: looked for ${found.looked.join(' and ')}. ` +
            'Put the model files there (config.json, tokenizer.json, tokenizer_config.json, ' +
            `onnx/${modelFile(quantized)}), pass \`localModelPath\`, or pass \`allowRemoteModels: true\` ` +
            'to download it from the Hugging Face Hub on first use.',
          { details: { model: opts.model, looked: found.looked } },
        );
      }
    }

    const pooling = opts.pooling ?? 'mean';
    const normalize = opts.normalize ?? true;
    const extractor = await serialised(async () => {
      const env = tf.env;
      const saved = { ...env };
      env.allowLocalModels = true;
      env.allowRemoteModels = allowRemote;
      env.localModelPath = withTrailingSep(where.root);
      try {
        return await tf.pipeline('feature-extraction', where.modelId, {
          quantized,
          local_files_only: !allowRemote,
          ...(cacheDir === undefined ? {} : { cache_dir: cacheDir }),
        });
      } catch (err) {
        throw loadError(err, opts.model, allowRemote);
      } finally {
        env.allowLocalModels = saved.allowLocalModels;
        env.allowRemoteModels = saved.allowRemoteModels;
        env.localModelPath = saved.localModelPath;
      }
    });

    let dims: number;
    try {
      const probe = await extractor([PROBE_TEXT], { pooling, normalize });
      dims = probe.dims[probe.dims.length - 1] ?? 0;
      if (!Number.isInteger(dims) || dims < 1 || probe.data.length !== dims) {
        throw new EngramError('UNSUPPORTED', `model '${opts.model}' returned output of shape [${probe.dims.join(', ')}]`);
      }
    } catch (err) {
      await extractor.dispose?.().catch(() => undefined);
      if (isEngramError(err)) throw err;
      throw new EngramError('INTERNAL', `Running transformers model '${opts.model}' failed: ${errorMessage(err)}`, { cause: err });
    }

    const id = opts.id ?? `transformers:${where.modelId}${quantized ? ':q8' : ''}`;
    return new TransformersEmbedder(
      { id, dims, modelLocation: where.dir, extractor },
      { pooling, normalize, batchSize: opts.batchSize ?? 32 },
    );
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (this.closed) throw new EngramError('CLOSED', `TransformersEmbedder(${this.id}) is closed`);
    if (!Array.isArray(texts)) throw new EngramError('INVALID_ARGUMENT', 'embed expects an array of strings');
    texts.forEach((t, i) => {
      if (typeof t !== 'string') throw new EngramError('INVALID_ARGUMENT', `embed: text ${i} is not a string`);
    });
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      const batch = texts.slice(start, start + this.batchSize);
      let tensor: TensorLike;
      try {
        tensor = await this.extractor(batch, { pooling: this.pooling, normalize: this.normalize });
      } catch (err) {
        throw new EngramError('INTERNAL', `TransformersEmbedder(${this.id}) failed: ${errorMessage(err)}`, { cause: err });
      }
      const n = batch.length;
      if (tensor.dims.length !== 2 || tensor.dims[0] !== n || tensor.dims[1] !== this.dims) {
        throw new EngramError(
          'INTERNAL',
          `TransformersEmbedder(${this.id}): model returned shape [${tensor.dims.join(', ')}] for ${n} texts`,
        );
      }
      const data = tensor.data;
      for (let i = 0; i < n; i++) {
        const v = new Float32Array(this.dims);
        for (let d = 0; d < this.dims; d++) v[d] = data[i * this.dims + d]!;
        out.push(v);
      }
    }
    validateVectors(out, this.dims, `TransformersEmbedder(${this.id})`, texts.length);
    return out;
  }

  /** Releases the ONNX session. Later `embed` calls throw CLOSED. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.extractor.dispose?.();
  }
}

function checkOptions(options: TransformersEmbedderOptions): TransformersEmbedderOptions {
  if (typeof options !== 'object' || options === null || typeof options.model !== 'string' || options.model.trim() === '') {
    throw new EngramError('INVALID_ARGUMENT', 'TransformersEmbedder: `model` (a model name or directory) is required');
  }
  const { batchSize, pooling } = options;
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1)) {
    throw new EngramError('INVALID_ARGUMENT', `TransformersEmbedder: batchSize must be a positive integer, got ${batchSize}`);
  }
  if (pooling !== undefined && pooling !== 'mean' && pooling !== 'cls') {
    throw new EngramError('INVALID_ARGUMENT', `TransformersEmbedder: pooling must be 'mean' or 'cls', got ${String(pooling)}`);
  }
  return options;
}

interface ModelWhere {
  /** Directory given to the library as `env.localModelPath`. */
  root: string;
  /** Model id relative to `root` (and to the download cache / Hub). */
  modelId: string;
  /** `root/modelId`. */
  dir: string;
}

function resolveModel(model: string, localModelPath: string | undefined, defaultRoot: string): ModelWhere {
  if (localModelPath !== undefined) {
    const root = resolve(localModelPath);
    return { root, modelId: model, dir: join(root, model) };
  }
  const looksLikePath = isAbsolute(model) || /^\.\.?[\\/]/.test(model) || isDirectory(resolve(model));
  if (looksLikePath) {
    const dir = resolve(model);
    return { root: dirname(dir), modelId: basename(dir), dir };
  }
  // A bare name without localModelPath: the library's own models directory (then its cache).
  const root = resolve(defaultRoot);
  return { root, modelId: model, dir: join(root, model) };
}

function findLocalModel(
  where: ModelWhere,
  quantized: boolean,
  cacheDir: string | undefined,
): { ok: true } | { ok: false; looked: string[] } {
  const candidates = [where.dir];
  if (cacheDir) candidates.push(join(cacheDir, where.modelId));
  const file = join('onnx', modelFile(quantized));
  for (const dir of candidates) {
    if (existsSync(join(dir, 'config.json')) && existsSync(join(dir, file)) && existsSync(join(dir, 'tokenizer.json'))) {
      return { ok: true };
    }
  }
  return { ok: false, looked: candidates.map((d) => join(d, file)) };
}

function modelFile(quantized: boolean): string {
  return quantized ? 'model_quantized.onnx' : 'model.onnx';
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function withTrailingSep(dir: string): string {
  return dir.endsWith('/') || dir.endsWith('\\') ? dir : `${dir}/`;
}

async function importTransformers(): Promise<TransformersModule> {
  modulePromise ??= (async () => {
    const specifier: string = PACKAGE; // not a literal: TypeScript must not require the package
    try {
      return (await import(specifier)) as TransformersModule;
    } catch (err) {
      modulePromise = undefined;
      throw new EngramError(
        'UNSUPPORTED',
        `TransformersEmbedder needs the optional package ${PACKAGE}; install it with \`npm install ${PACKAGE}\` ` +
          `(${errorMessage(err)})`,
        { cause: err },
      );
    }
  })();
  return modulePromise;
}

function serialised<T>(fn: () => Promise<T>): Promise<T> {
  const run = loadQueue.then(fn, fn);
  loadQueue = run.catch(() => undefined);
  return run;
}

function loadError(err: unknown, model: string, allowRemote: boolean): EngramError {
  const msg = errorMessage(err);
  if (/not found locally|ENOENT|no such file|could not locate file/i.test(msg)) {
    return new EngramError(
      'NOT_FOUND',
      `Transformers model '${model}' could not be loaded: ${msg}` +
        (allowRemote ? '' : ' Pass `allowRemoteModels: true` to download missing files from the Hugging Face Hub.'),
      { cause: err, details: { model } },
    );
  }
  return new EngramError('INTERNAL', `Loading transformers model '${model}' failed: ${msg}`, { cause: err, details: { model } });
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
