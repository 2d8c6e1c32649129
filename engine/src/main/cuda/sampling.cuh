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

// Log-probabilities of the drawn tokens in the raw logits, as Sampler.logprobs computes them on the host: logZ = max
// + log(sum of exp(l - max)), each term exp((double) (l - max)) and the sum in doubles; the drawn token's logprob and
// rank (1 + the logits above it, equal ones of lower id counted as above); the `top` best (value descending, then id
// ascending). Two launches over grid (rows, splits), each block a contiguous slice of its row, because one block per
// row walked a 152k row seven times and more (0.27 ms at batch 1):
//   logprobs_split_max: the slice's max, its count above the drawn token, and its own `top` best (each thread's
//     logits sorted in registers, the lanes' lists merged per warp, the warps' by warp 0);
//   logprobs_split_sum: the row's max from those, the slice's sum of exp, and in the last block of the row to finish
//     (an atomic ticket, as argmax_split) the row's sum (slices in order), rank and `top` best from the slices' bests.
// rowOf[b] and tops[b] name block row b's logits row and its number of alternatives; ids holds every row's drawn token.
// A row edited in place before the draw reads the copy of its raw logits that was saved first: savedOf[b] is its row
// in `saved`, -1 where the row in `logits` is raw. Row b's results go to outF[b * (maxTop + 1) ...] (the token's
// logprob, then the alternatives') and outI[b * (maxTop + 2) ...] (its rank, then the alternatives' ids).
#define LOGPROB_THREADS 256
#define LOGPROB_MAX_SPLITS 128
#define LOGPROB_MAX_TOP 20
#define NO_ID 0x7fffffff

__device__ __forceinline__ const float* logprob_row(const float* logits, const float* saved, int vocab, int row, int src) {
    return src >= 0 ? saved + (size_t) src * vocab : logits + (size_t) row * vocab;
}

// Whether (v, i) comes after (pv, pi) in the order of the alternatives (value descending, then id ascending).
__device__ __forceinline__ bool after(float v, int i, float pv, int pi) { return v < pv || (v == pv && i > pi); }

__device__ __forceinline__ ArgMax warp_argmax(ArgMax x) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) x = better(x, ArgMax{__shfl_xor_sync(0xffffffffu, x.v, o), __shfl_xor_sync(0xffffffffu, x.i, o)});
    return x;
}

// The first `top` of up to 128 lists of candidates, each in the alternatives' order (list j's k-th at
// v[j * stride + k], a list ends at `len` or at a NO_ID), by one warp: lane j holds the heads of lists j, j + 32,
// j + 64 and j + 96; each place takes the best head, and its list moves on (ids are distinct across lists, so the
// winner is found by its id). Places without a candidate get -inf and NO_ID.
__device__ void warp_merge(const float* v, const int* id, int lists, int stride, int len, int top, float* outV, int* outI) {
    const int lane = threadIdx.x & 31;
    int h[4] = {0, 0, 0, 0};
    for (int k = 0; k < top; k++) {
        ArgMax heads[4];
        ArgMax c{-INFINITY, NO_ID};
#pragma unroll
        for (int q = 0; q < 4; q++) {
            const int list = lane + 32 * q;
            heads[q] = ArgMax{-INFINITY, NO_ID};
            if (list < lists && h[q] < len && id[list * stride + h[q]] != NO_ID)
                heads[q] = ArgMax{v[list * stride + h[q]], id[list * stride + h[q]]};
            c = better(c, heads[q]);
        }
        const ArgMax w = warp_argmax(c);
#pragma unroll
        for (int q = 0; q < 4; q++)
            if (w.i != NO_ID && heads[q].i == w.i) h[q]++;
        if (lane == 0) {
            outV[k] = w.v;
            outI[k] = w.i;
        }
    }
}

// Logits a thread of logprobs_split_* holds in registers: a slice has at most LOGPROB_THREADS * LOGPROB_PER (4096)
// logits, so LOGPROB_MAX_SPLITS slices cover a vocabulary of 524288 (DeviceSampler refuses a larger one).
#define LOGPROB_PER 16

// Whether (a, ai) goes before (b, bi) among the alternatives.
__device__ __forceinline__ bool goes_first(float a, int ai, float b, int bi) { return a > b || (a == b && ai < bi); }

// Each thread's logits, best first, by a bitonic network over its registers.
__device__ __forceinline__ void sort_registers(float* v, int* id) {
#pragma unroll
    for (int k = 2; k <= LOGPROB_PER; k <<= 1) {
#pragma unroll
        for (int j = k >> 1; j > 0; j >>= 1) {
#pragma unroll
            for (int i = 0; i < LOGPROB_PER; i++) {
                const int p = i ^ j;
                if (p > i) {
                    const bool swap = (i & k) == 0 ? goes_first(v[p], id[p], v[i], id[i]) : goes_first(v[i], id[i], v[p], id[p]);
                    if (swap) {
                        const float tv = v[i];
                        v[i] = v[p];
                        v[p] = tv;
                        const int ti = id[i];
                        id[i] = id[p];
                        id[p] = ti;
                    }
                }
            }
        }
    }
}

extern "C" __global__ void __launch_bounds__(LOGPROB_THREADS) logprobs_split_max(
        const float* __restrict__ logits, const float* __restrict__ saved, int vocab, const int* __restrict__ rowOf,
        const int* __restrict__ tops, const int* __restrict__ savedOf, const int* __restrict__ ids, int maxTop,
        float* __restrict__ partMax, int* __restrict__ partAbove, float* __restrict__ candV, int* __restrict__ candI) {
    pdl_enter();
    __shared__ ArgMax red[32];
    __shared__ int redi[32];
    __shared__ float warpV[LOGPROB_THREADS / 32 * LOGPROB_MAX_TOP];
    __shared__ int warpI[LOGPROB_THREADS / 32 * LOGPROB_MAX_TOP];
    const int b = blockIdx.x, S = gridDim.y, s = blockIdx.y, row = rowOf[b], top = tops[b], token = ids[row];
    const float* l = logprob_row(logits, saved, vocab, row, savedOf[b]);
    const int chunk = (vocab + S - 1) / S, begin = s * chunk, end = min(vocab, begin + chunk);
    const int lane = threadIdx.x & 31, w = threadIdx.x >> 5, first = begin + threadIdx.x;
    float v[LOGPROB_PER];
    int id[LOGPROB_PER];  // NO_ID past the slice's end
#pragma unroll
    for (int k = 0; k < LOGPROB_PER; k++) {
        const int i = first + k * LOGPROB_THREADS;
        v[k] = i < end ? l[i] : -INFINITY;
        id[k] = i < end ? i : NO_ID;
    }
    const float chosen = l[token];
    ArgMax best{-INFINITY, NO_ID};
    int above = 0;
#pragma unroll
    for (int k = 0; k < LOGPROB_PER; k++) {
        if (id[k] == NO_ID) continue;
        best = better(best, ArgMax{v[k], id[k]});
        if (v[k] > chosen || (v[k] == chosen && id[k] < token)) above++;
    }
    best = block_argmax(best, red);
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) above += __shfl_xor_sync(0xffffffffu, above, o);
    if (lane == 0) redi[w] = above;
    // Each warp's `top` best: every lane's logits sorted, then each place is the best of the lanes' first ones, and
    // the lane it came from moves on. Warp 0 then merges the warps' lists.
    if (top > 0) sort_registers(v, id);
    for (int k = 0; k < top; k++) {
        const ArgMax c = warp_argmax(ArgMax{id[0] == NO_ID ? -INFINITY : v[0], id[0]});
        if (lane == 0) {
            warpV[w * LOGPROB_MAX_TOP + k] = c.v;
            warpI[w * LOGPROB_MAX_TOP + k] = c.i;
        }
        if (c.i != NO_ID && id[0] == c.i) {
#pragma unroll
            for (int q = 0; q + 1 < LOGPROB_PER; q++) {
                v[q] = v[q + 1];
                id[q] = id[q + 1];
            }
            v[LOGPROB_PER - 1] = -INFINITY;
            id[LOGPROB_PER - 1] = NO_ID;
        }
    }
    __syncthreads();
    if (w != 0) return;
    const size_t part = (size_t) b * S + s;
    warp_merge(warpV, warpI, blockDim.x >> 5, LOGPROB_MAX_TOP, top, top, candV + part * maxTop, candI + part * maxTop);
    if (lane == 0) {
        int count = 0;
        for (int k = 0; k < (int) (blockDim.x >> 5); k++) count += redi[k];
        partMax[part] = best.v;
        partAbove[part] = count;
    }
}

extern "C" __global__ void __launch_bounds__(LOGPROB_THREADS) logprobs_split_sum(
        const float* __restrict__ logits, const float* __restrict__ saved, int vocab, const int* __restrict__ rowOf,
        const int* __restrict__ tops, const int* __restrict__ savedOf, const int* __restrict__ ids, int maxTop,
        const float* __restrict__ partMax, const int* __restrict__ partAbove, const float* __restrict__ candV,
        const int* __restrict__ candI, double* __restrict__ partSum, int* __restrict__ tickets,
        float* __restrict__ outF, int* __restrict__ outI) {
    pdl_enter();
    __shared__ double redd[32];
    __shared__ int last;
    __shared__ float cv[LOGPROB_MAX_SPLITS * LOGPROB_MAX_TOP];
    __shared__ int ci[LOGPROB_MAX_SPLITS * LOGPROB_MAX_TOP];
    const int b = blockIdx.x, S = gridDim.y, s = blockIdx.y, row = rowOf[b], top = tops[b];
    const float* l = logprob_row(logits, saved, vocab, row, savedOf[b]);
    const int chunk = (vocab + S - 1) / S, begin = s * chunk, end = min(vocab, begin + chunk);
    const int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = blockDim.x >> 5;
    ArgMax m{-INFINITY, NO_ID};
    for (int j = 0; j < S; j++) m = better(m, ArgMax{partMax[(size_t) b * S + j], j});
    const float mx = m.v;
    // the slice's logits loaded at once (not one dependent load per term), then summed in order
    const int first = begin + threadIdx.x;
    float x[LOGPROB_PER];
#pragma unroll
    for (int k = 0; k < LOGPROB_PER; k++) x[k] = first + k * LOGPROB_THREADS < end ? l[first + k * LOGPROB_THREADS] : mx;
    double sum = 0.0;
#pragma unroll
    for (int k = 0; k < LOGPROB_PER; k++)
        if (first + k * LOGPROB_THREADS < end) sum += exp((double) (x[k] - mx));
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
    if (lane == 0) redd[w] = sum;
    __syncthreads();
    if (threadIdx.x == 0) {
        double t = 0.0;
        for (int k = 0; k < nw; k++) t += redd[k];
        partSum[(size_t) b * S + s] = t;
        __threadfence();
        last = atomicAdd(&tickets[b], 1) == S - 1;
    }
    __syncthreads();
    if (!last) return;
    __threadfence();
    for (int j = threadIdx.x; j < S * top; j += blockDim.x) {  // slice j / top's list, place j % top
        const size_t at = ((size_t) b * S + j / top) * maxTop + j % top;
        cv[j] = candV[at];
        ci[j] = candI[at];
    }
    __syncthreads();
    if (w != 0) return;
    float* f = outF + (size_t) b * (maxTop + 1);
    int* n = outI + (size_t) b * (maxTop + 2);
    warp_merge(cv, ci, S, top, top, top, f + 1, n + 1);
    if (lane == 0) {
        double total = 0.0;
        int above = 0;
        for (int j = 0; j < S; j++) {
            total += __ldcg(partSum + (size_t) b * S + j);
            above += partAbove[(size_t) b * S + j];
        }
        const float logZ = (float) ((double) mx + log(total));
        f[0] = l[ids[row]] - logZ;
        n[0] = above + 1;
        for (int k = 0; k < top; k++) {
            if (n[1 + k] == NO_ID) {  // fewer logits than places
                f[1 + k] = -INFINITY;
                n[1 + k] = 0;
            } else {
                f[1 + k] -= logZ;
            }
        }
        tickets[b] = 0;  // ready for the next launch
    }
}
