import type { Tensor } from '@tapegrad/core';

const camel = (part: string): string => part.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const snake = (part: string): string => part.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function renamed(dict: Readonly<Record<string, Tensor>>, rename: (part: string) => string): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(dict)) out[name.split('.').map(rename).join('.')] = t;
  return out;
}

/**
 * A state dict saved by PyTorch, under tapegrad's names: tapegrad's modules
 * and parameters carry PyTorch's names in camelCase, so each dotted part is
 * turned from snake_case (`self_attn.in_proj_weight` →
 * `selfAttn.inProjWeight`, `running_mean` → `runningMean`, `bias_k` →
 * `biasK`); names without underscores (`weight`, `linear1`, `0`) stay as
 * they are. The tensors are the same objects.
 *
 * @example
 * ```ts
 * const { tensors } = loadSafetensors(bytes); // saved by PyTorch
 * layer.loadStateDict(fromTorchNames(tensors));
 * ```
 */
export function fromTorchNames(dict: Readonly<Record<string, Tensor>>): Record<string, Tensor> {
  return renamed(dict, camel);
}

/**
 * A tapegrad state dict under PyTorch's names, the inverse of
 * {@link fromTorchNames}: each dotted part turns from camelCase to
 * snake_case (`selfAttn.inProjWeight` → `self_attn.in_proj_weight`), so an
 * equivalent `torch.nn` model's `load_state_dict` accepts it.
 *
 * @example
 * ```ts
 * const bytes = saveSafetensors(toTorchNames(model.stateDict())); // for PyTorch
 * ```
 */
export function toTorchNames(dict: Readonly<Record<string, Tensor>>): Record<string, Tensor> {
  return renamed(dict, snake);
}
