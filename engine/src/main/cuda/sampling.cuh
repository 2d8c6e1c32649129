// Token selection on the GPU, so that only token ids cross to the host. Greedy (argmax_split, several blocks per
// row) is the first index of the largest logit (as torch.argmax); sampling (sample_rows) takes one block per row. Otherwise, with temperature T:
// weights w_i = exp((l_i - max) / T); top-k keeps the k largest logits, min-p those with w_i >= minP,
// top-p the smallest set of the largest logits whose weight reaches topP of what is left; then a draw from the
// request's own 64 random bits. Thresholds are found by radix select over the logits' ordered bit patterns
// (4 passes of 8 bits, each a shared-memory histogram), never by sorting the vocabulary; ties at a threshold are
// all kept.
#pragma once
#include "common.cuh"

#define SAMPLE_THREADS 1024

// float -> unsigned key with the same order.
__device__ __forceinline__ uint32_t order_key(float f) {
    const uint32_t b = __float_as_uint(f);
    return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}

struct ArgMax { float v; int i; };

__device__ __forceinline__ ArgMax better(ArgMax a, ArgMax b) {
    if (b.v > a.v || (b.v == a.v && b.i < a.i) || (a.v != a.v && b.v == b.v)) return b;  // NaN loses
    return a;
}

__device__ ArgMax block_argmax(ArgMax x, ArgMax* red) {
    const int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = blockDim.x >> 5;
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        ArgMax y{__shfl_xor_sync(0xffffffffu, x.v, o), __shfl_xor_sync(0xffffffffu, x.i, o)};
        x = better(x, y);
    }
    __syncthreads();
    if (lane == 0) red[w] = x;
    __syncthreads();
    x = lane < nw ? red[lane] : ArgMax{-INFINITY, 0x7fffffff};
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        ArgMax y{__shfl_xor_sync(0xffffffffu, x.v, o), __shfl_xor_sync(0xffffffffu, x.i, o)};
        x = better(x, y);
    }
    return x;
}

// Greedy for long rows: grid (rows, splits), each block takes a contiguous slice of its row (float4 loads where rows
// are 16-byte aligned) and leaves its best in partial[row][split]; the last block of a row to finish (an atomic
// ticket) picks the row's winner (one 1024-thread block per row walked 150k logits in ~150 dependent loads).
#define ARGMAX_SPLIT_THREADS 256
extern "C" __global__ void __launch_bounds__(ARGMAX_SPLIT_THREADS) argmax_split(
        const float* __restrict__ logits, int vocab, int* __restrict__ out, float* __restrict__ partV,
        int* __restrict__ partI, int* __restrict__ tickets) {
    pdl_enter();
    __shared__ ArgMax red[32];
    __shared__ int last;
    const int row = blockIdx.x, S = gridDim.y, s = blockIdx.y;
    const float* l = logits + (size_t) row * vocab;
    const int chunk = (((vocab + S - 1) / S) + 3) & ~3;
    const int begin = s * chunk, end = min(vocab, begin + chunk);
    ArgMax best{-INFINITY, 0x7fffffff};
    if ((vocab & 3) == 0) {  // begin and end are multiples of 4: whole float4s
        for (int i = begin + threadIdx.x * 4; i < end; i += blockDim.x * 4) {
            const float4 v = *reinterpret_cast<const float4*>(l + i);
            best = better(best, ArgMax{v.x, i});
            best = better(best, ArgMax{v.y, i + 1});
            best = better(best, ArgMax{v.z, i + 2});
            best = better(best, ArgMax{v.w, i + 3});
        }
    } else {
        for (int i = begin + threadIdx.x; i < end; i += blockDim.x) best = better(best, ArgMax{l[i], i});
    }
    best = block_argmax(best, red);
    if (threadIdx.x == 0) {
        partV[row * S + s] = best.v;
        partI[row * S + s] = best.i;
        __threadfence();
        last = atomicAdd(&tickets[row], 1) == S - 1;
    }
    __syncthreads();
    if (!last) return;
    __threadfence();
    ArgMax b{-INFINITY, 0x7fffffff};
    for (int j = threadIdx.x; j < S; j += blockDim.x) b = better(b, ArgMax{__ldcg(partV + row * S + j), __ldcg(partI + row * S + j)});
    b = block_argmax(b, red);
    if (threadIdx.x == 0) {
        out[row] = b.i == 0x7fffffff ? 0 : b.i;
        tickets[row] = 0;  // ready for the next launch
    }
}

// Radix select over keys >= floorKey. With byMass false, finds the key of the k-th largest element (by count);
// with byMass true, the key u* such that the weight of keys > u* is below `target` and that of keys >= u* is not.
__device__ uint32_t radix_select(const float* l, int vocab, uint32_t floorKey, bool byMass, float target, int k,
                                 float mx, float invT, int* hc, float* hm, uint32_t* shared) {
    uint32_t prefix = 0, mask = 0;
    float remainingMass = target;
    int remainingCount = k;
    for (int shift = 24; shift >= 0; shift -= 8) {
        for (int i = threadIdx.x; i < 256; i += blockDim.x) { hc[i] = 0; hm[i] = 0.f; }
        __syncthreads();
        for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
            const uint32_t key = order_key(l[i]);
            if (key < floorKey || (key & mask) != prefix) continue;
            const int bin = (key >> shift) & 0xff;
            if (byMass) atomicAdd(&hm[bin], __expf((l[i] - mx) * invT));
            else atomicAdd(&hc[bin], 1);
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            int bin = 255;
            for (; bin > 0; bin--) {
                if (byMass) {
                    if (hm[bin] >= remainingMass) break;
                    remainingMass -= hm[bin];
                } else {
                    if (hc[bin] >= remainingCount) break;
                    remainingCount -= hc[bin];
                }
            }
            shared[0] = bin;
            shared[1] = __float_as_uint(remainingMass);
            shared[2] = (uint32_t) remainingCount;
        }
        __syncthreads();
        prefix |= shared[0] << shift;
        mask |= 0xffu << shift;
        remainingMass = __uint_as_float(shared[1]);
        remainingCount = (int) shared[2];
        __syncthreads();
    }
    return prefix;
}

// params per row: temperature, topP, minP, topK (as float); bits: 64 random bits per row.
extern "C" __global__ void __launch_bounds__(SAMPLE_THREADS) sample_rows(
        const float* __restrict__ logits, int vocab, const float* __restrict__ params,
        const unsigned long long* __restrict__ bits, int* __restrict__ out) {
    pdl_enter();
    __shared__ ArgMax red[32];
    __shared__ float redf[32];
    __shared__ int hc[256];
    __shared__ float hm[256];
    __shared__ uint32_t shared[4];
    __shared__ float scan[SAMPLE_THREADS / 32];
    const int row = blockIdx.x;
    const float* l = logits + (size_t) row * vocab;
    const float T = params[row * 4], topP = params[row * 4 + 1], minP = params[row * 4 + 2];
    const int topK = (int) params[row * 4 + 3];

    ArgMax best{-INFINITY, 0x7fffffff};
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) best = better(best, ArgMax{l[i], i});
    best = block_argmax(best, red);
    if (T <= 0.f || topK == 1 || best.i == 0x7fffffff || !(best.v > -INFINITY)) {
        if (threadIdx.x == 0) out[row] = best.i == 0x7fffffff ? 0 : best.i;
        return;
    }
    const float mx = best.v, invT = 1.f / T;
    uint32_t floorKey = 0;
    if (topK > 0 && topK < vocab) floorKey = radix_select(l, vocab, 0, false, 0.f, topK, mx, invT, hc, hm, shared);
    if (minP > 0.f) floorKey = max(floorKey, order_key(mx + T * logf(minP)));
    if (topP < 1.f) {
        float kept = 0.f;
        for (int i = threadIdx.x; i < vocab; i += blockDim.x)
            if (order_key(l[i]) >= floorKey) kept += __expf((l[i] - mx) * invT);
        kept = block_sum(kept, redf);
        floorKey = max(floorKey, radix_select(l, vocab, floorKey, true, topP * kept, 0, mx, invT, hc, hm, shared));
    }
    // Draw: each thread owns a contiguous range; a block scan of range weights finds the owner of the target.
    const int per = (vocab + blockDim.x - 1) / blockDim.x;
    const int from = min(vocab, (int) threadIdx.x * per), to = min(vocab, from + per);
    float mine = 0.f;
    for (int i = from; i < to; i++)
        if (order_key(l[i]) >= floorKey) mine += __expf((l[i] - mx) * invT);
    // Inclusive scan over the block.
    const int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
    float inc = mine;
#pragma unroll
    for (int o = 1; o < 32; o <<= 1) {
        const float y = __shfl_up_sync(0xffffffffu, inc, o);
        if (lane >= o) inc += y;
    }
    if (lane == 31) scan[w] = inc;
    __syncthreads();
    if (w == 0) {
        float s = lane < (int) (blockDim.x >> 5) ? scan[lane] : 0.f;
#pragma unroll
        for (int o = 1; o < 32; o <<= 1) {
            const float y = __shfl_up_sync(0xffffffffu, s, o);
            if (lane >= o) s += y;
        }
        if (lane < (int) (blockDim.x >> 5)) scan[lane] = s;
    }
    __syncthreads();
    const float before = (w > 0 ? scan[w - 1] : 0.f) + inc - mine;
    const float total = scan[(blockDim.x >> 5) - 1];
    const double u = (double) (bits[row] >> 11) * (1.0 / 9007199254740992.0);
    const float target = (float) (u * total);
    if (threadIdx.x == 0) shared[3] = 0xffffffffu;
    __syncthreads();
    if (mine > 0.f && target >= before && target < before + mine) {
        float cum = before;
        int pick = -1, last = -1;
        for (int i = from; i < to; i++) {
            if (order_key(l[i]) < floorKey) continue;
            last = i;
            cum += __expf((l[i] - mx) * invT);
            if (target < cum) { pick = i; break; }
        }
        atomicMin(&shared[3], (uint32_t) (pick >= 0 ? pick : last));
    }
    __syncthreads();
    if (threadIdx.x == 0) out[row] = shared[3] == 0xffffffffu ? best.i : (int) shared[3];
}

// Edits of logits rows before a draw, in place, as LogitEdits.applyTo makes them on the host (penalties, logit bias,
// the min_tokens mask, then a guide's bitmask of allowed tokens): one block per edited row. `buf` holds, from byte 0,
// the ints rowOf[n], entryStart[n + 1], maskStart[n] (first word in masks, -1 for none), maskWords[n], then the
// entries' tokens, counts and flags (ints) and biases (floats); from byte penOff 3 doubles per row (repetition,
// frequency, presence); from byte maskOff the 64-bit mask words. The penalties are computed in doubles with explicit
// roundings (no fused multiply-add), so every edited logit equals the host's bit for bit. An edited row's tokens
// are distinct, so threads never write the same logit.
#define LOGIT_EDITS_THREADS 256
#define LOGIT_EDIT_REPEATED 1
#define LOGIT_EDIT_BIASED 2
#define LOGIT_EDIT_MASKED 4
extern "C" __global__ void __launch_bounds__(LOGIT_EDITS_THREADS) logit_edits(
        float* __restrict__ logits, int vocab, const unsigned char* __restrict__ buf, int n, int entries, int penOff,
        int maskOff) {
    pdl_enter();
    const int b = blockIdx.x;
    const int* ints = reinterpret_cast<const int*>(buf);
    const int row = ints[b], e0 = ints[n + b], e1 = ints[n + b + 1];
    const int m0 = ints[2 * n + 1 + b], mw = ints[3 * n + 1 + b];
    const int* tokens = ints + 4 * n + 1;
    const int* counts = tokens + entries;
    const int* flags = counts + entries;
    const float* bias = reinterpret_cast<const float*>(flags + entries);
    const double* pen = reinterpret_cast<const double*>(buf + penOff) + 3 * b;
    const double rep = pen[0], freq = pen[1], pres = pen[2];
    float* l = logits + (size_t) row * vocab;
    for (int i = e0 + threadIdx.x; i < e1; i += blockDim.x) {
        const int t = tokens[i], f = flags[i], c = counts[i];
        float x = l[t];
        if ((f & LOGIT_EDIT_REPEATED) && rep != 1.0)
            x = __double2float_rn(x > 0.f ? __ddiv_rn((double) x, rep) : __dmul_rn((double) x, rep));
        if (c > 0) x = __double2float_rn(__dsub_rn(__dsub_rn((double) x, __dmul_rn(freq, (double) c)), pres));
        if (f & LOGIT_EDIT_BIASED) x = __fadd_rn(x, bias[i]);
        if (f & LOGIT_EDIT_MASKED) x = -INFINITY;
        l[t] = x;
    }
    if (m0 < 0) return;
    __syncthreads();
    const unsigned long long* m = reinterpret_cast<const unsigned long long*>(buf + maskOff) + m0;
    for (int t = threadIdx.x; t < vocab; t += blockDim.x) {
        const int w = t >> 6;
        if (w >= mw || !((m[w] >> (t & 63)) & 1ull)) l[t] = -INFINITY;
    }
}

// Log-probabilities of the drawn tokens in the raw logits, as Sampler.logprobs computes them on the host: one block per
// row that wants them. logZ = max + log(sum of exp(l - max)), the sum in doubles; the drawn token's logprob and rank
// (1 + the logits above it, equal ones of lower id counted as above); the `top` best (value descending, then id
// ascending), one block-wide selection per place. rowOf[b] and tops[b] name block b's row and its number of
// alternatives; ids holds every row's drawn token. A row edited in place before the draw reads the copy of its raw
// logits that was saved first: savedOf[b] is its row in `saved`, -1 where the row in `logits` is raw. Block b writes
// outF[b * (maxTop + 1) ...] (the token's logprob, then the alternatives') and outI[b * (maxTop + 2) ...] (its rank,
// then the alternatives' ids).
#define LOGPROB_THREADS 1024
extern "C" __global__ void __launch_bounds__(LOGPROB_THREADS) row_logprobs(
        const float* __restrict__ logits, const float* __restrict__ saved, int vocab, const int* __restrict__ rowOf,
        const int* __restrict__ tops, const int* __restrict__ savedOf, const int* __restrict__ ids, int maxTop,
        float* __restrict__ outF, int* __restrict__ outI) {
    pdl_enter();
    __shared__ ArgMax red[32];
    __shared__ double redd[32];
    __shared__ int redi[32];
    const int b = blockIdx.x, row = rowOf[b], top = tops[b], token = ids[row], src = savedOf[b];
    const float* l = src >= 0 ? saved + (size_t) src * vocab : logits + (size_t) row * vocab;
    const int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = blockDim.x >> 5;
    ArgMax best{-INFINITY, 0x7fffffff};
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) best = better(best, ArgMax{l[i], i});
    const float mx = block_argmax(best, red).v;
    const float chosen = l[token];
    double sum = 0.0;
    int above = 0;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
        const float v = l[i];
        sum += exp((double) (v - mx));
        if (v > chosen || (v == chosen && i < token)) above++;
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        sum += __shfl_xor_sync(0xffffffffu, sum, o);
        above += __shfl_xor_sync(0xffffffffu, above, o);
    }
    __syncthreads();
    if (lane == 0) {
        redd[w] = sum;
        redi[w] = above;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        double s = 0.0;
        int a = 0;
        for (int k = 0; k < nw; k++) {
            s += redd[k];
            a += redi[k];
        }
        redd[0] = s;
        redi[0] = a;
    }
    __syncthreads();
    const float logZ = (float) ((double) mx + log(redd[0]));
    float* f = outF + (size_t) b * (maxTop + 1);
    int* n = outI + (size_t) b * (maxTop + 2);
    if (threadIdx.x == 0) {
        f[0] = chosen - logZ;
        n[0] = redi[0] + 1;
    }
    // The alternatives: each place takes the best (value, id) strictly after the previous place's in that order.
    float pv = INFINITY;
    int pi = -1;
    for (int k = 0; k < top; k++) {
        ArgMax c{-INFINITY, 0x7fffffff};
        for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
            const float v = l[i];
            if (v < pv || (v == pv && i > pi)) c = better(c, ArgMax{v, i});
        }
        c = block_argmax(c, red);
        if (c.i == 0x7fffffff) c = ArgMax{-INFINITY, 0};
        if (threadIdx.x == 0) {
            f[1 + k] = c.v - logZ;
            n[1 + k] = c.i;
        }
        pv = c.v;
        pi = c.i;
    }
}
