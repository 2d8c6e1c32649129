#!/usr/bin/env python3
"""The PyTorch peer for Baton's engine benchmark: gpt-fast's model (static KV cache) with CUDA graphs, on synthetic
bf16 weights of the same Hugging Face shapes, timed the same way (decode: one step = forward + greedy pick + token
ids to the host; prefill: one prompt, median of repeats).

gpt-fast's code is not part of Baton: fetch pytorch-labs/gpt-fast and point --gpt-fast at the folder that holds its
model.py (kept in an ignored folder). Two shape details gpt-fast's model does not cover are adapted here, outside its
code: Qwen3's head_dim differs from hidden/heads, and Qwen3 normalises q and k per head (q_norm / k_norm).
Decode steps are captured with torch.cuda.CUDAGraph (gpt-fast reaches the same with torch.compile's
"reduce-overhead" mode, whose compile time does not fit a short device lease); prefill runs eagerly, as gpt-fast's does,
including its LM head over every prompt position.
"""
import argparse
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def load_gpt_fast(path):
    sys.path.insert(0, path)
    import model as gf  # gpt-fast's model.py
    return gf


def hf_to_args(gf, c, block_size):
    rope_scaling = None
    rs = c.get("rope_scaling") or c.get("rope_parameters")
    if rs and (rs.get("rope_type") or rs.get("type")) == "llama3":
        rope_scaling = dict(factor=rs["factor"], low_freq_factor=rs["low_freq_factor"],
                            high_freq_factor=rs["high_freq_factor"],
                            original_max_position_embeddings=rs["original_max_position_embeddings"])
    args = gf.ModelArgs(block_size=block_size, vocab_size=c["vocab_size"], n_layer=c["num_hidden_layers"],
                        n_head=c["num_attention_heads"], dim=c["hidden_size"], intermediate_size=c["intermediate_size"],
                        n_local_heads=c.get("num_key_value_heads", c["num_attention_heads"]),
                        rope_base=c.get("rope_theta", 10000.0), norm_eps=c.get("rms_norm_eps", 1e-6),
                        rope_scaling=rope_scaling)
    args.head_dim = c.get("head_dim") or c["hidden_size"] // c["num_attention_heads"]  # __post_init__ assumes dim/heads
    return args


class HeadDimAttention(nn.Module):
    """gpt-fast's Attention with q size n_head * head_dim (may differ from dim) and optional per-head q/k RMSNorm."""

    def __init__(self, gf, args, qk_norm):
        super().__init__()
        self.gf = gf
        self.n_head, self.n_local_heads, self.head_dim, self.dim = args.n_head, args.n_local_heads, args.head_dim, args.dim
        self.q_size = args.n_head * args.head_dim
        self.kv_size = args.n_local_heads * args.head_dim
        self.wqkv = nn.Linear(args.dim, self.q_size + 2 * self.kv_size, bias=False)
        self.wo = nn.Linear(self.q_size, args.dim, bias=False)
        self.q_norm = gf.RMSNorm(args.head_dim, args.norm_eps) if qk_norm else None
        self.k_norm = gf.RMSNorm(args.head_dim, args.norm_eps) if qk_norm else None
        self.kv_cache = None

    def forward(self, x, freqs_cis, mask, input_pos=None):
        bsz, seqlen, _ = x.shape
        q, k, v = self.wqkv(x).split([self.q_size, self.kv_size, self.kv_size], dim=-1)
        q = q.view(bsz, seqlen, self.n_head, self.head_dim)
        k = k.view(bsz, seqlen, self.n_local_heads, self.head_dim)
        v = v.view(bsz, seqlen, self.n_local_heads, self.head_dim)
        if self.q_norm is not None:
            q, k = self.q_norm(q), self.k_norm(k)
        q = self.gf.apply_rotary_emb(q, freqs_cis)
        k = self.gf.apply_rotary_emb(k, freqs_cis)
        q, k, v = map(lambda t: t.transpose(1, 2), (q, k, v))
        if self.kv_cache is not None:
            k, v = self.kv_cache.update(input_pos, k, v)
        k = k.repeat_interleave(self.n_head // self.n_local_heads, dim=1)
        v = v.repeat_interleave(self.n_head // self.n_local_heads, dim=1)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=0.0)
        y = y.transpose(1, 2).contiguous().view(bsz, seqlen, self.q_size)
        return self.wo(y)


def build(gf, c, block_size, device):
    args = hf_to_args(gf, c, block_size)
    qk_norm = "qwen3" in c.get("model_type", "") or any("Qwen3" in a for a in c.get("architectures", []))
    torch.set_default_dtype(torch.bfloat16)
    with torch.device("meta"):
        model = gf.Transformer(args)
        if qk_norm or args.head_dim != args.dim // args.n_head:
            for layer in model.layers:
                layer.attention = HeadDimAttention(gf, args, qk_norm)
    model = model.to_empty(device=device)
    torch.set_default_dtype(torch.float32)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1:
                p.fill_(1.0)
            else:
                p.uniform_(-1, 1).mul_(math.sqrt(3.0) / math.sqrt(p.shape[1]))
        if c.get("tie_word_embeddings"):
            model.output.weight = model.tok_embeddings.weight
    model.eval()
    return model, args


def setup_caches(gf, model, args, batch, max_seq, device):
    """gpt-fast's setup_caches, with the real head_dim, on the device."""
    max_seq = gf.find_multiple(max_seq, 8)
    model.max_seq_length, model.max_batch_size = max_seq, batch
    with torch.device(device):
        for b in model.layers:
            b.attention.kv_cache = gf.KVCache(batch, max_seq, args.n_local_heads, args.head_dim, torch.bfloat16)
            b.attention.kv_cache.k_cache.uniform_(-0.5, 0.5)
            b.attention.kv_cache.v_cache.uniform_(-0.5, 0.5)
        model.freqs_cis = gf.precompute_freqs_cis(args.block_size, args.head_dim, args.rope_base, torch.bfloat16,
                                                  args.rope_scaling)
        model.causal_mask = torch.tril(torch.ones(max_seq, max_seq, dtype=torch.bool))


@torch.no_grad()
def bench_decode(gf, model, args, batch, context, steps, device):
    setup_caches(gf, model, args, batch, context + steps + 16, device)
    idx = torch.randint(0, args.vocab_size, (batch, 1), device=device)
    pos = torch.tensor([context], device=device, dtype=torch.long)

    def step():
        logits = model(idx, pos)
        idx.copy_(logits[:, -1].argmax(-1, keepdim=True))

    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(3):
            step()
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        step()
    for i in range(3):
        pos.fill_(context + i)
        g.replay()
        idx.cpu()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for i in range(steps):
        pos.fill_(context + 3 + i)
        g.replay()
        idx.cpu()  # token ids to the host every step, as a server needs them
    ms = (time.perf_counter() - t0) * 1e3 / steps
    for b in model.layers:
        b.attention.kv_cache = None
    del g
    torch.cuda.empty_cache()
    return ms


@torch.no_grad()
def bench_prefill(gf, model, args, n, repeats, device):
    setup_caches(gf, model, args, 1, n + 8, device)
    x = torch.randint(0, args.vocab_size, (1, n), device=device)
    pos = torch.arange(0, n, device=device)
    model(x, pos)[:, -1].argmax(-1).cpu()
    times = []
    for _ in range(repeats):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        model(x, pos)[:, -1].argmax(-1).cpu()
        times.append(time.perf_counter() - t0)
    for b in model.layers:
        b.attention.kv_cache = None
    torch.cuda.empty_cache()
    times.sort()
    return times[len(times) // 2] * 1e3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gpt-fast", required=True, help="folder with gpt-fast's model.py")
    ap.add_argument("--config", nargs="+", required=True)
    ap.add_argument("--batch", default="1,8,32,128")
    ap.add_argument("--context", type=int, default=512)
    ap.add_argument("--decode-steps", type=int, default=32)
    ap.add_argument("--prefill", default="512,2048,8192")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json")
    a = ap.parse_args()
    gf = load_gpt_fast(a.gpt_fast)
    device = "cuda"
    torch.backends.cuda.matmul.allow_bf16_reduced_precision_reduction = True
    report = {"command": " ".join(sys.argv), "device": torch.cuda.get_device_name(), "torch": torch.__version__,
              "models": []}
    batches = [int(b) for b in a.batch.split(",") if b]
    prefills = [int(p) for p in a.prefill.split(",") if p]
    for path in a.config:
        c = json.load(open(path))
        name = path.rsplit("/", 1)[-1].removesuffix(".json")
        block = max([a.context + a.decode_steps + 64] + [p + 64 for p in prefills])
        t0 = time.perf_counter()
        model, args = build(gf, c, block, device)
        m = {"model": name, "load_seconds": time.perf_counter() - t0, "prefill": [], "decode": []}
        print(f"== peer {name}: {c['num_hidden_layers']} layers, hidden {c['hidden_size']}", flush=True)
        for n in prefills:
            try:
                ms = bench_prefill(gf, model, args, n, a.repeats, device)
                m["prefill"].append({"tokens": n, "ms": ms, "tokens_per_s": n / ms * 1e3})
                print(f"  prefill {n:6d}: {ms:9.2f} ms  {n / ms * 1e3:10.0f} tokens/s", flush=True)
            except Exception as e:  # noqa: BLE001 (report and go on: e.g. out of memory)
                m["prefill"].append({"tokens": n, "error": str(e)[:300]})
                print(f"  prefill {n}: {e}", flush=True)
                torch.cuda.empty_cache()
        for b in batches:
            try:
                ms = bench_decode(gf, model, args, b, a.context, a.decode_steps, device)
                m["decode"].append({"batch": b, "context": a.context, "ms_per_step": ms, "tokens_per_s": b / ms * 1e3})
                print(f"  decode batch {b:4d}: {ms:8.3f} ms/step", flush=True)
            except Exception as e:  # noqa: BLE001
                m["decode"].append({"batch": b, "error": str(e)[:300]})
                print(f"  decode batch {b}: {e}", flush=True)
                torch.cuda.empty_cache()
        report["models"].append(m)
        del model
        torch.cuda.empty_cache()
    if a.json:
        json.dump(report, open(a.json, "w"), indent=2)


if __name__ == "__main__":
    main()
