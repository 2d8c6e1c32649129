#!/usr/bin/env python3
"""Produce extra HF reference cases for Baton's tokenizer tests (run where transformers + tokenizers exist)."""
import copy, json, os, random, sys, time, traceback

OUT = os.environ.get("OUT", ".")
BASE = os.path.dirname(os.path.abspath(__file__))
res = {"versions": {}, "errors": []}


def save():
    with open(os.path.join(OUT, "hf_extra.json"), "w", encoding="utf-8") as f:
        json.dump(res, f, ensure_ascii=False, indent=None)


def guard(name, fn):
    t0 = time.time()
    try:
        fn()
    except Exception:
        res["errors"].append(name + ": " + traceback.format_exc())
        print(name, "FAILED", traceback.format_exc(), flush=True)
    print(name, "took", round(time.time() - t0, 2), flush=True)
    save()


try:
    import tokenizers
    res["versions"]["tokenizers"] = tokenizers.__version__
except Exception as e:
    res["versions"]["tokenizers"] = repr(e)
try:
    import transformers
    res["versions"]["transformers"] = transformers.__version__
except Exception as e:
    res["versions"]["transformers"] = repr(e)
save()
from tokenizers import Tokenizer as RawTok

HARD = [
    "Hello\u00a0world", "a\u3000b", "x\u2028y\u2029z", "p\u0085q", "tab\u000bvt", "form\u000cfeed", "\u1680ogham\u2007fig",
    "ends with space ", " starts", "  \n  \n", "\n", "\r\n", " \r\n ", "a  \n b", "word\n\n  next", "\n\n\n", " \n", "x \n\n y",
    "\u017f '\u017f 'K '\u017ft '\u212a", "'S'T'RE'Ve'LL'D", "don't DON'T can't", "it's'", "''s", "' s", "a's b'sx",
    "e\u0301 cafe\u0301 A\u030a \ufb01 \u212b", "\uff46\uff55\uff4c\uff4c \uff11\uff12\uff13", "\u0661\u0662\u0663 \u0664\u0665",
    "\u216b \u2461 \u00be \u00b2", "\U0001d400\U0001d401 \U0001d7cf\U0001d7d0", "\U0001f916\U0001f9be \U0001f1fa\U0001f1f8\U0001f1ef\U0001f1f5 \U0001f468\u200d\U0001f469\u200d\U0001f467",
    "a\u200db\u200bc", "\ufeffBOM", "tab\t\t\tx", "    def f():\n\t\treturn 1\n", " " * 50 + "x", "x" + " " * 17, "\t" * 9,
    "1234567890123", "3.14e-10", "12,345,678.90", "v1.2.3-rc4",
    "<|im_start|>", " <|im_start|> ", "<|im_start|><|im_end|>", "<|endoftext|>text<|endoftext|>", "<think>\nreasoning\n</think>\n\nanswer",
    " <think> ", "a<think>b", "<|begin_of_text|>hi<|eot_id|>", "<|begin_of_text|> <|start_header_id|>", "<|im_start", "|im_start|>",
    "<<|im_end|>>", "<tool_call>{\"a\": 1}</tool_call>", "\x00\x01\x1f\x7f", "\U0010ffff\U000e0001", "\u00ad soft\u00adhyphen",
    "Mr. O'Neil's 'quoted' text", "ÀÉÎÕÜ àéîõü ß ẞ", "Ελληνικά κείμενο", "עברית טקסט", "हिन्दी पाठ", "ไทย ภาษา", "Tiếng Việt",
    "x = [i**2 for i in range(10) if i % 2 == 0]", "fn main() { println!(\"{}\", 42); }", "<div class=\"a\">&amp;</div>",
    "SELECT * FROM t WHERE id = 1;", "path/to/file.txt C:\\Windows\\sys32", "$ ls -la | grep '^d'", "a\r\rb\r", "...\n---\n***",
]

POOL_UNITS = (
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") * 3
    + list(" " * 20) + ["\n", "\n\n", "\r\n", "\t", "  ", "   "]
    + list(".,;:!?'\"()[]{}<>-_=+*/\\|@#$%^&~`")
    + ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL"]
    + list("éèêëàâäôöûüçñÅøßÆœ") + list("中文测试你好世界日本語のテキスト한국어문장")
    + ["😀", "🎉", "👍🏽", "🇫🇷", "👨‍👩‍👧", "🤖", "✨", "❤️"]
    + ["\u0301", "\u0308", "\u00a0", "\u3000", "\u2028", "\u200b", "\u0085", "\u2009"]
    + list("Привет мир") + list("العربية") + ["１", "２", "٣", "²", "½", "Ⅳ"]
)
SPECIAL_UNITS = ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<think>", "</think>", "<tool_call>",
                 "<|begin_of_text|>", "<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>"]


def random_texts(seed, n, with_special):
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        k = rnd.randint(1, 40)
        parts = []
        for _ in range(k):
            if with_special and rnd.random() < 0.08:
                parts.append(rnd.choice(SPECIAL_UNITS))
            else:
                parts.append(rnd.choice(POOL_UNITS))
        out.append("".join(parts))
    return out


def long_text(seed):
    rnd = random.Random(seed)
    words = ["the", "of", "and", "model", "token", "Baton", "GPU", "cache", "prefill", "decode", "1024", "3.5", "x_1",
             "naïve", "café", "東京", "😀", "don't", "it's", "(", ")", "{", "}", ";", "\n", "\n\n", "\t", "  "]
    return "".join(rnd.choice(words) + (" " if rnd.random() < 0.7 else "") for _ in range(1500))


TEXTS = HARD + random_texts(1, 150, True) + [long_text(2)]


def encode_cases(name, tdir):
    raw = RawTok.from_file(os.path.join(tdir, "tokenizer.json"))
    hf = None
    try:
        from transformers import AutoTokenizer
        hf = AutoTokenizer.from_pretrained(tdir)
    except Exception:
        res["errors"].append(name + " AutoTokenizer: " + traceback.format_exc())
    cases = []
    for t in TEXTS:
        c = {"text": t}
        c["raw_ids"] = raw.encode(t, add_special_tokens=False).ids
        c["raw_ids_special"] = raw.encode(t, add_special_tokens=True).ids
        c["raw_decoded"] = raw.decode(c["raw_ids"], skip_special_tokens=False)
        c["raw_decoded_skip"] = raw.decode(c["raw_ids_special"], skip_special_tokens=True)
        if hf is not None:
            c["hf_ids"] = hf.encode(t, add_special_tokens=False)
            c["hf_ids_special"] = hf.encode(t)
            c["hf_decoded"] = hf.decode(c["hf_ids"])
            c["hf_decoded_skip"] = hf.decode(c["hf_ids_special"], skip_special_tokens=True)
        cases.append(c)
    res[name + "_encode"] = cases
    # decoding arbitrary id streams: byte fragments, invalid UTF-8, specials
    rnd = random.Random(7)
    vs = raw.get_vocab_size(with_added_tokens=True)
    dec = []
    for i in range(120):
        n = rnd.randint(1, 12)
        ids = [rnd.randrange(vs) for _ in range(n)]
        if i % 3 == 0:  # bias toward single byte tokens (ids < 256 are bytes in both vocabs)
            ids = [rnd.randrange(256) for _ in range(n)]
        d = {"ids": ids, "raw": raw.decode(ids, skip_special_tokens=False), "raw_skip": raw.decode(ids, skip_special_tokens=True)}
        if hf is not None:
            d["hf"] = hf.decode(ids)
            d["hf_skip"] = hf.decode(ids, skip_special_tokens=True)
        dec.append(d)
    res[name + "_decode"] = dec
    info = {"raw_vocab_size": vs, "raw_vocab_size_noadded": raw.get_vocab_size(with_added_tokens=False)}
    if hf is not None:
        info["hf_len"] = len(hf)
        info["hf_bos"] = hf.bos_token
        info["hf_eos"] = hf.eos_token
        info["hf_pad"] = hf.pad_token
        info["hf_all_special_ids"] = list(hf.all_special_ids)
        info["hf_class"] = type(hf).__name__
        info["hf_add_bos"] = getattr(hf, "add_bos_token", None)
        info["hf_post_processor"] = json.loads(hf.backend_tokenizer.to_str()).get("post_processor") if hasattr(hf, "backend_tokenizer") else None
    res[name + "_info"] = info


VARIANT_TEXTS = [
    "a <think> b", "a<think>b", "<think>x</think>", " </think> y", "x </think>  y", "<tool_call>", "a<tool_call>b", "a <tool_call> b",
    "word<tool_call> ", " <tool_call>x", "x</tool_call>y", "x </tool_call> y", "<|fim_prefix|>", "e\u0301<|fim_prefix|>e\u0301",
    " <|fim_prefix|> ", "<|fim_middle|>", "a <|fim_middle|>b", "<|im_start|>user\nhi<|im_end|>", "  <think>  </think>  ",
    "\n<think>\n", "Hello world", " Hello", "  two spaces", "\nnewline first", "", "x", "<think>", "<|endoftext|> <|endoftext|>",
    "café <think>é</think>", "<tool_call><tool_call>", "ab<tool_call>cd <tool_call> ef", "\t</think>\t",
    "The quick brown fox.", "I'm here", "1234567 89", "emoji 😀 中文",
]


def variants():
    qsrc = json.load(open(os.path.join(BASE, "qwen3", "tokenizer.json"), encoding="utf-8"))
    lsrc = json.load(open(os.path.join(BASE, "llama3", "tokenizer.json"), encoding="utf-8"))

    def run(name, j, texts):
        tok = RawTok.from_str(json.dumps(j))
        cases = []
        for t in texts:
            e0 = tok.encode(t, add_special_tokens=False).ids
            e1 = tok.encode(t, add_special_tokens=True).ids
            cases.append({"text": t, "ids": e0, "ids_special": e1,
                          "decoded": tok.decode(e0, skip_special_tokens=False),
                          "decoded_skip": tok.decode(e1, skip_special_tokens=True)})
        res["variant_" + name] = cases
        save()

    def set_flags(j, content, **flags):
        for a in j["added_tokens"]:
            if a["content"] == content:
                a.update(flags)
                return
        raise KeyError(content)

    # 1: added-token flags
    j = copy.deepcopy(qsrc)
    set_flags(j, "<think>", lstrip=True)
    set_flags(j, "</think>", rstrip=True)
    set_flags(j, "<tool_call>", single_word=True)
    set_flags(j, "</tool_call>", single_word=True, lstrip=True, rstrip=True)
    set_flags(j, "<|fim_prefix|>", normalized=True)
    set_flags(j, "<|fim_middle|>", normalized=True, special=True)
    run("qwen3_flags", j, VARIANT_TEXTS)
    # 2: ByteLevel add_prefix_space in the pre-tokenizer sequence
    j = copy.deepcopy(qsrc)
    j["pre_tokenizer"]["pretokenizers"][1]["add_prefix_space"] = True
    run("qwen3_prefix", j, VARIANT_TEXTS)
    # 3: GPT-2 style: ByteLevel alone with its own regex and a prefix space
    j = copy.deepcopy(lsrc)
    j["pre_tokenizer"] = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}
    run("llama3_gpt2", j, VARIANT_TEXTS + HARD)
    # 4: Llama 3 with the later TemplateProcessing post-processor (adds BOS)
    j = copy.deepcopy(lsrc)
    j["post_processor"] = {"type": "Sequence", "processors": [
        {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        {"type": "TemplateProcessing",
         "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
         "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                  {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
         "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [128000], "tokens": ["<|begin_of_text|>"]}}}]}
    run("llama3_template", j, VARIANT_TEXTS)
    # 5: Llama 3 without ignore_merges (should rarely differ)
    j = copy.deepcopy(lsrc)
    j["model"]["ignore_merges"] = False
    run("llama3_noignore", j, TEXTS[:120])


guard("qwen3", lambda: encode_cases("qwen3", os.path.join(BASE, "qwen3")))
guard("llama3", lambda: encode_cases("llama3", os.path.join(BASE, "llama3")))
guard("variants", variants)
print("errors:", len(res["errors"]))
for e in res["errors"]:
    print(e[:2000])
