#!/usr/bin/env python3
"""Puts Baton's engine-bench JSON and the gpt-fast peer's JSON side by side: a Markdown table and one combined JSON."""
import argparse
import json


def f(x, spec=".3f"):
    return format(x, spec) if isinstance(x, (int, float)) else str(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--baton", required=True)
    ap.add_argument("--peer")
    ap.add_argument("--markdown", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--command", default="", help="the exact command that produced the numbers")
    a = ap.parse_args()
    baton = json.load(open(a.baton))
    peer = json.load(open(a.peer)) if a.peer else {"models": []}
    peer_by = {m["model"]: m for m in peer.get("models", [])}
    out = ["# Baton CUDA engine benchmark", ""]
    if a.command:
        out += ["Command:", "", "```", a.command, "```", ""]
    out += [f"Device: {baton.get('device')} ({baton.get('multiprocessors')} SMs); peer: gpt-fast model + CUDA graphs on "
            f"PyTorch {peer.get('torch', '?')}, same GPU, same call.",
            f"Measured in the same run: copy bandwidth {baton.get('copy_bandwidth_GBps', 0):.0f} GB/s (read + write), "
            f"bf16 GEMM 8192^3 {baton.get('gemm_8192_bf16_out_tflops', 0):.0f} TFLOP/s (bf16 out), "
            f"{baton.get('gemm_8192_fp32_out_tflops', 0):.0f} TFLOP/s (fp32 out).", ""]
    combined = {"baton": baton, "peer": peer, "rows": []}
    for m in baton["models"]:
        name = m["model"]
        p = peer_by.get(name, {})
        pdec = {d["batch"]: d for d in p.get("decode", []) if "ms_per_step" in d}
        ppre = {d["tokens"]: d for d in p.get("prefill", []) if "ms" in d}
        out += [f"## {name}", "",
                "Decode (context 512; ms per step = forward + sampling on the GPU + token ids to the host):", "",
                "| batch | graphs | Baton ms/step | floor ms | Baton / floor | gpt-fast ms/step | Baton / gpt-fast |",
                "|---:|:---:|---:|---:|---:|---:|---:|"]
        for d in m["decode"]:
            pr = pdec.get(d["batch"])
            ratio = d["ms_per_step"] / pr["ms_per_step"] if pr and d["graphs"] else None
            out.append(f"| {d['batch']} | {'on' if d['graphs'] else 'off'} | {f(d['ms_per_step'])} | {f(d['floor_ms'])} | "
                       f"{f(d['ratio_to_floor'], '.2f')} | {pr['ms_per_step']:.3f} |" if pr else
                       f"| {d['batch']} | {'on' if d['graphs'] else 'off'} | {f(d['ms_per_step'])} | {f(d['floor_ms'])} | "
                       f"{f(d['ratio_to_floor'], '.2f')} | – |")
            out[-1] += f" {ratio:.2f} |" if ratio else " – |"
            combined["rows"].append({"model": name, "phase": "decode", **d,
                                     "peer_ms_per_step": pr["ms_per_step"] if pr else None, "baton_over_peer": ratio})
        out += ["", "Prefill (one prompt):", "",
                "| tokens | Baton ms | tokens/s | TFLOP/s | of GEMM peak | gpt-fast ms | Baton / gpt-fast (time) |",
                "|---:|---:|---:|---:|---:|---:|---:|"]
        for d in m["prefill"]:
            pr = ppre.get(d["tokens"])
            ratio = d["ms"] / pr["ms"] if pr else None
            out.append(f"| {d['tokens']} | {d['ms']:.2f} | {d['tokens_per_s']:.0f} | {f(d['tflops'], '.1f')} | "
                       f"{f(100 * d['fraction_of_gemm_peak'] if isinstance(d['fraction_of_gemm_peak'], (int, float)) else d['fraction_of_gemm_peak'], '.0f')}% | {pr['ms']:.2f} | {ratio:.2f} |" if pr else
                       f"| {d['tokens']} | {d['ms']:.2f} | {d['tokens_per_s']:.0f} | {f(d['tflops'], '.1f')} | "
                       f"{f(100 * d['fraction_of_gemm_peak'] if isinstance(d['fraction_of_gemm_peak'], (int, float)) else d['fraction_of_gemm_peak'], '.0f')}% | – | – |")
            combined["rows"].append({"model": name, "phase": "prefill", **d,
                                     "peer_ms": pr["ms"] if pr else None, "baton_over_peer": ratio})
        out.append("")
    open(a.markdown, "w").write("\n".join(out) + "\n")
    json.dump(combined, open(a.json, "w"), indent=2)
    print("\n".join(out))


if __name__ == "__main__":
    main()
