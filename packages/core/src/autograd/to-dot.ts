import { checkOptions, optionRules } from '../options.js';
import type { Tensor } from '../tensor/tensor.js';
import type { TapeNode } from './tape-node.js';

/**
 * Options of {@link toDot}.
 *
 * @example
 * ```ts
 * toDot(loss, { names: { w, b } });
 * ```
 */
export interface DotOptions {
  /** Labels for leaf tensors, such as a model's parameters. */
  readonly names?: Readonly<Record<string, Tensor>>;
}

const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;
// A line break in a label is DOT's `\n` escape, never a raw newline inside the quotes.
const quote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/**
 * The recorded graph behind `t` in Graphviz DOT: one box per op with its
 * output shape and dtype, one ellipse per leaf, edges in data-flow direction.
 *
 * @example
 * ```ts
 * const dot = toDot(loss, { names: { weight: w } });
 * // render with: dot -Tsvg graph.dot > graph.svg
 * ```
 */
export function toDot(t: Tensor, options: DotOptions = {}): string {
  checkOptions('toDot', options, { names: optionRules.any });
  const labels = new Map<Tensor, string>();
  for (const [name, tensor] of Object.entries(options.names ?? {})) labels.set(tensor, name);
  const lines = ['digraph tapegrad {', '  rankdir=BT;', '  node [fontname="Helvetica", fontsize=10];'];
  const ids = new Map<TapeNode | Tensor, string>();
  const id = (k: TapeNode | Tensor): string => {
    let v = ids.get(k);
    if (v === undefined) {
      v = `n${ids.size}`;
      ids.set(k, v);
    }
    return v;
  };
  if (t.gradFn === null) {
    lines.push(`  ${id(t)} [shape=ellipse, label=${quote(`${labels.get(t) ?? 'leaf'}\n${shapeText(t.shape)} ${t.dtype}`)}];`, '}');
    return lines.join('\n');
  }
  const stack: TapeNode[] = [t.gradFn];
  const seen = new Set<TapeNode>(stack);
  while (stack.length > 0) {
    const node = stack.pop()!;
    lines.push(`  ${id(node)} [shape=box, label=${quote(`${node.name}\n${shapeText(node.outShape)} ${node.outDtype}`)}];`);
    for (const e of node.edges) {
      if (e === null) continue;
      if (e.node !== null) {
        lines.push(`  ${id(e.node)} -> ${id(node)};`);
        if (!seen.has(e.node)) {
          seen.add(e.node);
          stack.push(e.node);
        }
      } else if (e.leaf !== null) {
        const leaf = e.leaf;
        if (!ids.has(leaf)) {
          const name = labels.get(leaf) ?? 'leaf';
          lines.push(`  ${id(leaf)} [shape=ellipse, style=filled, fillcolor=lightblue, label=${quote(`${name}\n${shapeText(leaf.shape)} ${leaf.dtype}`)}];`);
        }
        lines.push(`  ${id(leaf)} -> ${id(node)};`);
      }
    }
  }
  lines.push('}');
  return lines.join('\n');
}
