import { accessSync, constants, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { rand } from '@tapegrad/core';
import { loadModule, loadSafetensors, saveModule, type Sequential } from '@tapegrad/nn';
import { exportOnnx } from '@tapegrad/onnx';
import { parseDemoArgs, USAGE, type DemoOptions } from './args.js';
import { firstDigits, loadMnist, PIXELS } from './data.js';
import { prepareDevice } from './device.js';
import { buildModel, inputShape, type ModelName } from './models.js';
import type { ProgressSink } from './progress.js';
import { renderReport } from './report.js';
import { accuracyOf, DEFAULT_LR, predict, train } from './train.js';

/** Where the demo writes: results to `stdout`, progress and errors to `stderr`. */
export interface DemoIO {
  readonly stdout: (text: string) => void;
  readonly stderr: ProgressSink;
}

/** What a run produced, for callers such as tests. */
export interface DemoResult {
  /** 0 success, 1 failure (e.g. an unreadable weights file), 2 bad command line. */
  readonly code: number;
  readonly testAccuracy?: number;
  readonly reportPath?: string;
  readonly weightsPath?: string;
  readonly onnxPath?: string;
}

const pct = (a: number): string => `${(a * 100).toFixed(2)}%`;

/** The report shows at most this many misclassified test digits. */
const MISCLASSIFIED_SHOWN = 60;

/** The report of a model, named as its weights are (`mnist-mlp.safetensors`, `mnist-mlp-report.html`). */
export const reportFileName = (model: ModelName): string => `mnist-${model}-report.html`;
/**
 * The directory the user typed the command in: pnpm runs scripts in the
 * package's folder but records the caller's in INIT_CWD. Paths given on the
 * command line, and paths printed, are relative to it.
 */
function userDir(): string {
  return process.env.INIT_CWD ?? process.cwd();
}

/** A path relative to the user's directory when it is inside it, else absolute. */
function shown(path: string): string {
  const rel = relative(userDir(), path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

/** `confusion[true][predicted]` over the test set. */
function confusionOf(predictions: Int32Array, labels: Int32Array): number[][] {
  const m = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  predictions.forEach((p, i) => m[labels[i]!]![p]!++);
  return m;
}

/**
 * Writes `model` as ONNX to `path`: input `pixels` ([batch, 784] for the mlp,
 * [batch, 1, 28, 28] for the cnn), standardised as the demo feeds them
 * ((p − 0.1307) / 0.3081 for p in [0, 1]), output `logits` [batch, 10], any batch size.
 */
function writeOnnx(model: Sequential, name: ModelName, path: string, io: DemoIO): string | null {
  try {
    const bytes = exportOnnx(model, [rand([2, ...inputShape(name)])], { inputNames: ['pixels'], outputNames: ['logits'], dynamicBatch: true });
    writeAtomically(path, bytes);
    io.stdout(`onnx:    ${shown(path)}  (${(bytes.length / 1024).toFixed(1)} KiB; input pixels [batch, ${inputShape(name).join(', ')}] standardised as in training, output logits [batch, 10])\n`);
    return path;
  } catch (e) {
    io.stderr.write(`error: cannot write ${shown(path)}: ${(e as Error).message}\n`);
    return null;
  }
}

async function evaluate(options: DemoOptions, path: string, io: DemoIO): Promise<DemoResult> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    io.stderr.write(`error: cannot read ${path}: ${(e as Error).message}\n`);
    return { code: 1 };
  }
  // The file notes its architecture in the safetensors metadata; --model is the fallback.
  let name: ModelName = options.model;
  let model;
  try {
    const { metadata } = loadSafetensors(bytes);
    if (metadata.model === 'mlp' || metadata.model === 'cnn') name = metadata.model;
    model = buildModel(name, 0);
    loadModule(model, bytes);
  } catch (e) {
    io.stderr.write(`error: ${path} does not hold weights of the ${name} model: ${(e as Error).message}\n`);
    return { code: 1 };
  }
  const test = firstDigits(loadMnist().test, options.testSize);
  model.to(options.device);
  const testAccuracy = accuracyOf(await predict(model, name, test, options.device), test);
  io.stdout(`${name} weights from ${shown(path)}: test accuracy ${pct(testAccuracy)} (${Math.round(testAccuracy * test.length)}/${test.length})\n`);
  if (options.exportOnnx === undefined) return { code: 0, testAccuracy };
  // Export reads the weights: they come back to the CPU first.
  await model.toAsync('cpu');
  const onnxPath = writeOnnx(model, name, resolve(userDir(), options.exportOnnx), io);
  return onnxPath === null ? { code: 1, testAccuracy } : { code: 0, testAccuracy, onnxPath };
}

/**
 * Why the demo cannot write into `dir`, or null when it can: the folder is
 * made if missing, and a probe file written and removed.
 */
function checkOutDir(dir: string): string | null {
  try {
    if (statSync(dir, { throwIfNoEntry: false })?.isDirectory() === false) return 'exists and is not a directory; expected a directory to write the report and the weights into';
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    const probe = join(dir, `.write-check-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
    return null;
  } catch (e) {
    const code = (e as { code?: string }).code;
    return `cannot write there (${code ?? (e as Error).message}); expected a directory the demo may create and write`;
  }
}

/** Writes a temporary file beside `path`, then renames it: a reader never sees half a file. */
function writeAtomically(path: string, data: string | Uint8Array): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, data);
  renameSync(temp, path);
}

/**
 * Runs the demo with command-line arguments `argv`; never calls
 * `process.exit`, so that it can run inside a test.
 */
export async function runDemo(argv: readonly string[], io: DemoIO, defaultOut: string): Promise<DemoResult> {
  // `pnpm demo -- --epochs 2` passes the `--` along: skip it.
  const parsed = parseDemoArgs(argv[0] === '--' ? argv.slice(1) : argv, defaultOut);
  if (!parsed.ok) {
    io.stderr.write(`error: ${parsed.message}\nRun with --help to see the options.\n`);
    return { code: 2 };
  }
  const options = { ...parsed.options, out: resolve(userDir(), parsed.options.out) };
  if (options.help) {
    io.stdout(USAGE);
    return { code: 0 };
  }
  const prepared = await prepareDevice(options.device);
  if (!prepared.ok) {
    io.stderr.write(`error: ${prepared.message}\n`);
    return { code: 1 };
  }
  if (options.eval !== undefined) return evaluate(options, resolve(userDir(), options.eval), io);
  // Checked before training, so that a bad --out fails in a second, not after the run.
  const outProblem = checkOutDir(options.out);
  if (outProblem !== null) {
    io.stderr.write(`error: --out ${shown(options.out)}: ${outProblem}\nRun with --help to see the options.\n`);
    return { code: 2 };
  }

  const started = performance.now();
  const { train: trainSet, test: fullTest } = loadMnist();
  const test = firstDigits(fullTest, options.testSize);
  const lr = options.lr ?? DEFAULT_LR[options.optimizer];
  // Drawn on the CPU, so that a seed gives the same initial weights on every device, then moved.
  const model = buildModel(options.model, options.seed).to(options.device);
  const nParams = model.parameters().reduce((n, p) => n + p.numel, 0);
  io.stderr.write(
    `MNIST: ${trainSet.length.toLocaleString('en-US')} training and ${test.length.toLocaleString('en-US')} test digits; ` +
      `${options.model} with ${nParams.toLocaleString('en-US')} parameters, ${options.optimizer} lr ${lr}, batch ${options.batchSize}, seed ${options.seed}, on ${options.device}\n`,
  );
  const history = await train(
    model,
    { model: options.model, optimizer: options.optimizer, lr, epochs: options.epochs, batchSize: options.batchSize, seed: options.seed, maxSteps: options.steps, device: options.device },
    trainSet,
    test,
    io.stderr,
  );
  // The weights are written from the CPU.
  await model.toAsync('cpu');
  const predictions = history.predictions;
  const testAccuracy = accuracyOf(predictions, test);
  const seconds = (performance.now() - started) / 1000;

  mkdirSync(options.out, { recursive: true });
  const weightsPath = join(options.out, `mnist-${options.model}.safetensors`);
  writeAtomically(weightsPath, saveModule(model, { model: options.model, testAccuracy: String(testAccuracy) }));
  const misclassified = [];
  let misclassifiedTotal = 0;
  for (let i = 0; i < test.length; i++) {
    if (predictions[i] === test.labels[i]) continue;
    if (misclassifiedTotal++ < MISCLASSIFIED_SHOWN) {
      misclassified.push({ pixels: test.images.subarray(i * PIXELS, (i + 1) * PIXELS), label: test.labels[i]!, predicted: predictions[i]! });
    }
  }
  // Named for its model, as the weights are, so that a cnn run keeps the mlp's report.
  const reportPath = join(options.out, reportFileName(options.model));
  writeAtomically(
    reportPath,
    renderReport({
      title: `tapegrad · MNIST ${options.model}`,
      settings: {
        model: `${options.model} (${nParams.toLocaleString('en-US')} parameters)`,
        optimizer: `${options.optimizer}, lr ${lr} annealed along a cosine`,
        'batch size': options.batchSize,
        epochs: history.epochs.length,
        steps: history.loss.length,
        seed: options.seed,
        device: options.device,
        'training speed': `${Math.round(history.samplesPerSecond).toLocaleString('en-US')} samples/s`,
      },
      testAccuracy,
      seconds,
      loss: history.loss,
      accuracy: history.accuracy,
      epochs: history.epochs,
      confusion: confusionOf(predictions, test.labels),
      misclassified,
      misclassifiedTotal,
    }),
  );
  io.stdout(
    `test accuracy ${pct(testAccuracy)} (${Math.round(testAccuracy * test.length)}/${test.length}) in ${seconds.toFixed(1)}s\n` +
      `report:  ${shown(reportPath)}\nweights: ${shown(weightsPath)}  (check them with --eval ${shown(weightsPath)})\n`,
  );
  if (options.exportOnnx === undefined) return { code: 0, testAccuracy, reportPath, weightsPath };
  const onnxPath = writeOnnx(model, options.model, resolve(userDir(), options.exportOnnx), io);
  return onnxPath === null ? { code: 1, testAccuracy, reportPath, weightsPath } : { code: 0, testAccuracy, reportPath, weightsPath, onnxPath };
}
