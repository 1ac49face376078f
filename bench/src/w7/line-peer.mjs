// A W7 peer in a process of its own, kept running and asked for one thing at
// a time: a line on its stdin ("step", "gc", "usage"), one JSON line back on
// its stdout. PyTorch (torch_w7.py) and the JavaScript peers (node-peer.mjs)
// speak it alike, so every column's samples alternate the same way, each in a
// heap and a collector of its own.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Starts `command args` and returns `{ ready, ask, close }`: `ready` is its
 * first JSON line, `ask(line)` sends a line and resolves to the JSON answer
 * (rejecting with the answer's `error`, or with the end of its stderr if the
 * process ended).
 */
export async function startLinePeer(name, command, args, env = process.env) {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`${name}: its process ended: ${stderr.trim().split('\n').at(-1) ?? ''}`);
    const msg = JSON.parse(value);
    if (msg.error) throw new Error(msg.error);
    return msg;
  };
  const ask = async (line) => {
    child.stdin.write(`${line}\n`);
    return next();
  };
  const close = () => {
    if (!child.stdin.writableEnded) child.stdin.end();
  };
  try {
    return { ready: await next(), ask, close };
  } catch (e) {
    close();
    throw e;
  }
}
