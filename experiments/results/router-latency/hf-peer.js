// Encode speed of Hugging Face `tokenizers` (the Rust library, through its official Node binding, npm `tokenizers`)
// on the prompts RouterLatencyBench wrote, to compare with Baton's Java tokenizer on the same text.
//   npm install tokenizers@0.23.2 && node hf-peer.js TOKENIZER_DIR/tokenizer.json PROMPTS.json [seconds] [ids-out.json]
const { Tokenizer } = require('tokenizers');
const fs = require('fs');
const [tokFile, promptsFile, secondsArg, idsOut] = process.argv.slice(2);
const seconds = Number(secondsArg || 5);
const tok = Tokenizer.fromFile(tokFile);
const prompts = JSON.parse(fs.readFileSync(promptsFile, 'utf8'));

function encodeSync(t) { return tok.encode(t, null, { addSpecialTokens: false }); } // async in the binding: awaited below

(async () => {
  const ids = [];
  let t0 = process.hrtime.bigint();
  for (const p of prompts) ids.push((await encodeSync(p)).getIds());
  const coldUs = Number(process.hrtime.bigint() - t0) / 1e3 / prompts.length;
  const times = [];
  const end = Date.now() + seconds * 1000;
  for (let i = 0; Date.now() < end || times.length < 20; i++) {
    const s = process.hrtime.bigint();
    await encodeSync(prompts[i % prompts.length]);
    times.push(Number(process.hrtime.bigint() - s) / 1e3);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const q = f => times[Math.min(times.length - 1, Math.floor(times.length * f))];
  const bytes = prompts.reduce((a, p) => a + Buffer.byteLength(p, 'utf8'), 0) / prompts.length;
  const out = { library: 'tokenizers (npm, HF Rust core) ' + require('tokenizers/package.json').version, prompts: prompts.length,
    cold_encode_mean_us: coldUs, mean_us: mean, p50_us: q(0.5), p90_us: q(0.9), p99_us: q(0.99), n: times.length,
    encode_mb_per_s: bytes / mean };
  console.log(JSON.stringify(out, null, 1));
  if (idsOut) fs.writeFileSync(idsOut, JSON.stringify(ids));
})();
