"""HF reference for generic pipeline pieces (split behaviors, normalizers, post-processors) and the Baton-trained tokenizer."""
import json, os, traceback
OUT = os.environ.get("OUT", ".")
BASE = os.path.dirname(os.path.abspath(__file__))
from tokenizers import Tokenizer as Raw
res = {"variants": [], "errors": []}
TEXTS = ["Hello world", " Hello  World ", "a <think> b", "I'm here, don't GO!", "x  y\n\nz", "café Ünïcödé ﬁ Å ½ ①", "1234567 89",
         "emoji 😀 中文", "<|begin_of_text|>hi <|eot_id|>", "", " ", "--a--b--", "a-b-c", "one-two three-four", "ABC def GHI", "tab\tsep\tvalues"]
src = json.load(open(os.path.join(BASE, "llama3", "tokenizer.json"), encoding="utf-8"))
BL = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}
def split(pattern, behavior, invert=False):
    return {"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": pattern, "behavior": behavior, "invert": invert}, BL]}
variants = []
for behavior in ["Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"]:
    for invert in [False, True]:
        variants.append((f"split_{behavior}_{invert}", {"pre_tokenizer": split({"String": "-"}, behavior, invert)}))
        variants.append((f"splitre_{behavior}_{invert}", {"pre_tokenizer": split({"Regex": "\\s+"}, behavior, invert)}))
for norm in [{"type": "Lowercase"}, {"type": "NFKC"}, {"type": "NFD"}, {"type": "NFKD"},
             {"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Lowercase"}]},
             {"type": "Replace", "pattern": {"String": " "}, "content": "_"},
             {"type": "Replace", "pattern": {"Regex": "\\d+"}, "content": "#"},
             {"type": "Prepend", "prepend": ">"}]:
    variants.append(("norm_" + json.dumps(norm, sort_keys=True), {"normalizer": norm}))
variants.append(("post_roberta", {"post_processor": {"type": "RobertaProcessing", "sep": ["<|end_of_text|>", 128001], "cls": ["<|begin_of_text|>", 128000], "trim_offsets": True, "add_prefix_space": False}}))
variants.append(("post_bert", {"post_processor": {"type": "BertProcessing", "sep": ["<|end_of_text|>", 128001], "cls": ["<|begin_of_text|>", 128000]}}))
variants.append(("post_template_eos", {"post_processor": {"type": "TemplateProcessing",
    "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "<|end_of_text|>", "type_id": 0}}],
    "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
    "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [128000], "tokens": ["<|begin_of_text|>"]},
                       "<|end_of_text|>": {"id": "<|end_of_text|>", "ids": [128001], "tokens": ["<|end_of_text|>"]}}}}))
for name, patch in variants:
    try:
        j = dict(src)
        j.update(patch)
        tok = Raw.from_str(json.dumps(j))
        cases = []
        for t in TEXTS:
            e0 = tok.encode(t, add_special_tokens=False).ids
            e1 = tok.encode(t, add_special_tokens=True).ids
            cases.append({"text": t, "ids": e0, "ids_special": e1, "decoded": tok.decode(e0, skip_special_tokens=False),
                          "decoded_skip": tok.decode(e1, skip_special_tokens=True)})
        res["variants"].append({"name": name, "base": "llama3", "set": patch, "cases": cases})
    except Exception:
        res["errors"].append(name + ": " + traceback.format_exc())
# the Baton-trained tokenizer, read by HF
try:
    texts = json.load(open(os.path.join(BASE, "texts.json"), encoding="utf-8"))
    raw = Raw.from_file(os.path.join(BASE, "trained", "tokenizer.json"))
    from transformers import AutoTokenizer
    hf = AutoTokenizer.from_pretrained(os.path.join(BASE, "trained"))
    tr = []
    for t in texts:
        ids = raw.encode(t, add_special_tokens=False).ids
        tr.append({"text": t, "ids": ids, "hf_ids": hf.encode(t, add_special_tokens=False), "hf_ids_default": hf.encode(t),
                   "decoded": raw.decode(ids), "hf_decoded": hf.decode(ids)})
    chat = hf.apply_chat_template([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)
    res["trained"] = {"cases": tr, "chat": chat, "chat_ids": hf.encode(chat, add_special_tokens=False), "eos": hf.eos_token, "eos_id": hf.eos_token_id,
                      "bos": hf.bos_token, "pad": hf.pad_token, "len": len(hf), "cls": type(hf).__name__}
except Exception:
    res["errors"].append("trained: " + traceback.format_exc())
json.dump(res, open(os.path.join(OUT, "probe2.json"), "w"), ensure_ascii=False)
print("variants", len(res["variants"]), "errors", len(res["errors"]))
for e in res["errors"]: print(e[:1500])
