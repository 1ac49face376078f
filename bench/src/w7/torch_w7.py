"""W7 in PyTorch: the char-transformer example's model, scaled up, trained
with AdamW; the peer of bench/src/w7 (pytorch.mjs starts it).

    python3 torch_w7.py INPUTS THREADS

INPUTS is the JSON manifest pytorch.mjs writes (config, and each array's
name, shape, dtype and byte offset in INPUTS + '.bin'). The script builds the
model from torch.nn's modules (Embedding, LayerNorm, MultiheadAttention with
an additive causal mask, and is_causal where the version has it, Linear-GELU-Linear, cross_entropy),
loads the shared parameters, prints one JSON line when ready, then answers
each line "step" on stdin with one training step (forward, backward, AdamW)
and a JSON line {"loss": ...}, and a line "usage" with its resource use; it checks, inside the step, that torch runs on
THREADS threads.
"""
import inspect
import json
import resource
import sys

import torch
from torch import nn
import torch.nn.functional as F


# is_causal is a hint beside the mask from PyTorch 2.0; 1.13's MultiheadAttention has no such argument.
CAUSAL = {"is_causal": True} if "is_causal" in inspect.signature(nn.MultiheadAttention.forward).parameters else {}


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attention = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x, mask):
        h = self.norm1(x)
        attended, _ = self.attention(h, h, h, attn_mask=mask, need_weights=False, **CAUSAL)
        y = x + attended
        return y + self.mlp(self.norm2(y))


class Transformer(nn.Module):
    def __init__(self, vocab, context, dim, heads, layers):
        super().__init__()
        self.tokens = nn.Embedding(vocab, dim)
        self.positions = nn.Embedding(context, dim)
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(layers)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab)

    def forward(self, ids, mask):
        x = self.tokens(ids) + self.positions(torch.arange(ids.shape[1]))
        for block in self.blocks:
            x = block(x, mask)
        return self.head(self.norm(x))


def blas_library():
    """The BLAS this process loaded (Debian's torch calls whatever libblas.so.3 points to)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line or "mkl" in line}
    except OSError:
        return "unknown"
    return ", ".join(sorted(p.rsplit("/", 2)[-2] + "/" + p.rsplit("/", 1)[-1] for p in libs)) or "built in"


def main():
    manifest_path, threads = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(threads)
    with open(manifest_path) as f:
        manifest = json.load(f)
    with open(manifest_path + ".bin", "rb") as f:
        blob = f.read()

    def array(entry):
        dtype = {"float32": torch.float32, "int32": torch.int32}[entry["dtype"]]
        count = 1
        for s in entry["shape"]:
            count *= s
        t = torch.frombuffer(bytearray(blob[entry["offset"]:entry["offset"] + 4 * count]), dtype=dtype)
        return t.reshape(entry["shape"]).clone()

    c = manifest["config"]
    model = Transformer(c["vocab"], c["context"], c["dim"], c["heads"], c["layers"])
    # tapegrad's parameter names are torch's.
    state = {e["name"]: array(e) for e in manifest["params"]}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise SystemExit(f"W7: parameters {missing + unexpected} do not match")
    ids = array(manifest["ids"]).long()
    targets = array(manifest["targets"]).long()
    # The causal mask, additive: -inf above the diagonal.
    mask = torch.triu(torch.full((c["context"], c["context"]), float("-inf")), diagonal=1)
    opt = torch.optim.AdamW(model.parameters(), lr=c["lr"], betas=tuple(c["betas"]), eps=c["eps"], weight_decay=c["weightDecay"])
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_library()}), flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "usage":
            # The fields of Node's process.resourceUsage() that the benchmark's trace prints.
            r = resource.getrusage(resource.RUSAGE_SELF)
            usage = {"userCPUTime": r.ru_utime * 1e6, "systemCPUTime": r.ru_stime * 1e6, "minorPageFault": r.ru_minflt, "involuntaryContextSwitches": r.ru_nivcsw}
            print(json.dumps({"usage": usage}), flush=True)
            continue
        if command != "step":
            break
        if torch.get_num_threads() != threads:
            print(json.dumps({"error": f"backend: torch runs on {torch.get_num_threads()} threads, not {threads}"}), flush=True)
            continue
        logits = model(ids, mask)
        loss = F.cross_entropy(logits.transpose(1, 2), targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
        print(json.dumps({"loss": loss.item()}), flush=True)


if __name__ == "__main__":
    main()
