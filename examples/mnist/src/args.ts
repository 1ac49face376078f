import { parseArgs } from 'node:util';

/** What the command line asks for. */
export interface DemoOptions {
  readonly epochs: number;
  readonly batchSize: number;
  /** Undefined means the optimizer's default for the chosen model. */
  readonly lr: number | undefined;
  readonly optimizer: 'gd' | 'sgd' | 'adam';
  readonly seed: number;
  readonly model: 'mlp' | 'cnn';
  readonly eval: string | undefined;
  readonly out: string;
  /** Cap on training steps in total, for smoke tests. */
  readonly steps: number | undefined;
  /** Where to write the trained (or --eval-loaded) model as ONNX, if anywhere. */
  readonly exportOnnx: string | undefined;
  /** Test digits to evaluate on: the first N of the 2,000 (all by default), for quick checks. */
  readonly testSize: number | undefined;
  /** Where the model trains: the CPU, or the GPU through WebGPU. */
  readonly device: 'cpu' | 'webgpu';
  readonly help: boolean;
}

/** The outcome of parsing: options, or a message for a usage error (exit code 2). */
export type ParsedArgs = { readonly ok: true; readonly options: DemoOptions } | { readonly ok: false; readonly message: string };

export const USAGE = `Usage: npx pnpm@10.34.9 demo -- [options]   (or, once built: node examples/dist/mnist.js [options])

Trains a classifier on 8,000 real MNIST digits, tests it on 2,000 others,
writes an HTML report and the weights as safetensors.

Options:
  --epochs N           passes over the training set (default: 8 for mlp, 5 for cnn)
  --batch-size N       digits per step (default: 64)
  --lr X               learning rate (default: 0.003 for adam, 0.05 for sgd, 0.1 for gd)
  --optimizer NAME     gd | sgd | adam (default: adam)
  --seed N             seed of the initial weights and the batch order (default: 0)
  --model NAME         mlp (784-256-10) | cnn (two conv layers) (default: mlp)
  --eval FILE          skip training: load weights from FILE and report test accuracy
  --out DIR            where the report and the weights go (default: examples/mnist/out)
  --steps N            stop after N training steps in total (for quick checks)
  --export-onnx FILE   also write the model as ONNX (any batch size), for ONNX Runtime
  --test-size N        evaluate on the first N of the 2,000 test digits (for quick checks)
  --device NAME        cpu | webgpu: train on the GPU through WebGPU, with Dawn's
                       Node binding (the npm package webgpu) (default: cpu)
  -h, --help           show this help
`;

function positiveInt(name: string, text: string | undefined, min: number): number | string | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    return `--${name} expects a whole number from ${min} to ${Number.MAX_SAFE_INTEGER}, got '${text}'`;
  }
  return Number(text);
}

/** The flags that take a value. */
const VALUED = new Set(['--epochs', '--batch-size', '--lr', '--optimizer', '--seed', '--model', '--eval', '--out', '--steps', '--export-onnx', '--test-size', '--device']);

/**
 * `--epochs -1` as `--epochs=-1`: parseArgs would take `-1` for a flag and
 * answer with a message about an ambiguous argument; this way the value is
 * checked, and refused, as a value.
 */
function attachNegativeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if (VALUED.has(a) && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/**
 * Parses the demo's command line. Never throws and never exits: a bad flag
 * or value comes back as a message.
 */
export function parseDemoArgs(argv: readonly string[], defaultOut: string): ParsedArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: attachNegativeValues(argv),
      strict: true,
      allowPositionals: false,
      options: {
        epochs: { type: 'string' },
        'batch-size': { type: 'string' },
        lr: { type: 'string' },
        optimizer: { type: 'string' },
        seed: { type: 'string' },
        model: { type: 'string' },
        eval: { type: 'string' },
        out: { type: 'string' },
        steps: { type: 'string' },
        'export-onnx': { type: 'string' },
        'test-size': { type: 'string' },
        device: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    // parseArgs's messages name the flag (e.g. "Unknown option '--epoch'").
    return { ok: false, message: (e as Error).message };
  }
  const model = values.model ?? 'mlp';
  if (model !== 'mlp' && model !== 'cnn') return { ok: false, message: `--model expects mlp or cnn, got '${model}'` };
  const optimizer = values.optimizer ?? 'adam';
  if (optimizer !== 'gd' && optimizer !== 'sgd' && optimizer !== 'adam') {
    return { ok: false, message: `--optimizer expects gd, sgd or adam, got '${optimizer}'` };
  }
  const device = values.device ?? 'cpu';
  if (device !== 'cpu' && device !== 'webgpu') return { ok: false, message: `--device expects cpu or webgpu, got '${device}'` };
  const epochs = positiveInt('epochs', values.epochs, 1);
  const batchSize = positiveInt('batch-size', values['batch-size'], 1);
  const seed = positiveInt('seed', values.seed, 0);
  const steps = positiveInt('steps', values.steps, 1);
  const testSize = positiveInt('test-size', values['test-size'], 1);
  for (const v of [epochs, batchSize, seed, steps, testSize]) if (typeof v === 'string') return { ok: false, message: v };
  let lr: number | undefined;
  if (values.lr !== undefined) {
    lr = Number(values.lr);
    if (values.lr.trim() === '' || !Number.isFinite(lr) || lr <= 0) return { ok: false, message: `--lr expects a positive number, got '${values.lr}'` };
  }
  if (values.eval === '') return { ok: false, message: '--eval expects the path of a .safetensors file' };
  if (values.out === '') return { ok: false, message: '--out expects a directory' };
  if (values['export-onnx'] === '') return { ok: false, message: '--export-onnx expects the path of the .onnx file to write' };
  return {
    ok: true,
    options: {
      epochs: (epochs as number | undefined) ?? (model === 'cnn' ? 5 : 8),
      batchSize: (batchSize as number | undefined) ?? 64,
      lr,
      optimizer,
      seed: (seed as number | undefined) ?? 0,
      model,
      eval: values.eval,
      out: values.out ?? defaultOut,
      steps: steps as number | undefined,
      exportOnnx: values['export-onnx'],
      testSize: testSize as number | undefined,
      device,
      help: values.help ?? false,
    },
  };
}
