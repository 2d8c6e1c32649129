// Standalone check and benchmark of the logprobs kernels (no Java): the engine's logprobs_split_max +
// logprobs_split_sum against the one-block-per-row row_logprobs they replaced (kept here as the baseline), both
// checked against a CPU reference computed as Sampler.logprobs does. Build and run (H100):
//   nvcc -O3 -std=c++17 -gencode arch=compute_90a,code=sm_90a -Xptxas -v -I engine/src/main/cuda \
//        engine/src/test/cuda/logprobs_bench.cu -o /tmp/logprobs_bench && /tmp/logprobs_bench
// Prints one line per (vocab, rows, top, kernel): microseconds per launch pair (CUDA events over 200 launches), and
// whether the results equal the reference (ranks and ids exactly, logprobs within 4e-6: one float ulp of logZ, whose double sum is taken in another order). Exit status 1 on a mismatch.
#include <cuda_runtime.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "sampling.cuh"

#include "check_cuda.h"

// ---- the baseline: row_logprobs as it was before the split (one 1024-thread block per row)
#define OLD_LOGPROB_THREADS 1024
extern "C" __global__ void __launch_bounds__(OLD_LOGPROB_THREADS) row_logprobs_old(
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

struct Ref { float lp; int rank; std::vector<int> ids; std::vector<float> lps; };

static Ref reference(const float* l, int vocab, int token, int top) {
    float mx = -INFINITY;
    for (int i = 0; i < vocab; i++) mx = std::max(mx, l[i]);
    double sum = 0;
    for (int i = 0; i < vocab; i++) sum += std::exp((double) (l[i] - mx));
    const float logZ = (float) ((double) mx + std::log(sum));
    Ref r;
    r.lp = l[token] - logZ;
    r.rank = 1;
    for (int i = 0; i < vocab; i++) if (l[i] > l[token] || (l[i] == l[token] && i < token)) r.rank++;
    std::vector<int> order(vocab);
    for (int i = 0; i < vocab; i++) order[i] = i;
    std::partial_sort(order.begin(), order.begin() + top, order.end(),
                      [&](int a, int b) { return l[a] > l[b] || (l[a] == l[b] && a < b); });
    for (int k = 0; k < top; k++) {
        r.ids.push_back(order[k]);
        r.lps.push_back(l[order[k]] - logZ);
    }
    return r;
}

int main() {
    const int maxTop = LOGPROB_MAX_TOP;
    int failures = 0;
    printf("%-8s %5s %4s %-18s %10s %s\n", "vocab", "rows", "top", "kernel", "us", "check");
    for (int vocab : {262144, 151936, 128256, 32000, 1000}) {
        for (int rows : {1, 8, 32}) {
            std::mt19937 rng(vocab + rows);
            std::normal_distribution<float> nd(0.f, 3.f);
            std::vector<float> h((size_t) rows * vocab);
            for (auto& x : h) x = std::round(nd(rng) * 64.f) / 64.f;  // coarse values: ties happen
            std::vector<int> rowOf(rows), savedOf(rows, -1), ids(rows);
            for (int r = 0; r < rows; r++) {
                rowOf[r] = r;
                ids[r] = (int) (rng() % vocab);
            }
            const int S = std::max(1, (vocab + 4095) / 4096);  // as DeviceSampler splits
            float *dl, *partMax, *candV, *outF;
            int *dRowOf, *dTops, *dSavedOf, *dIds, *partAbove, *candI, *tickets, *outI;
            double* partSum;
            CK(cudaMalloc(&dl, h.size() * 4));
            CK(cudaMemcpy(dl, h.data(), h.size() * 4, cudaMemcpyHostToDevice));
            CK(cudaMalloc(&dRowOf, rows * 4));
            CK(cudaMalloc(&dTops, rows * 4));
            CK(cudaMalloc(&dSavedOf, rows * 4));
            CK(cudaMalloc(&dIds, rows * 4));
            CK(cudaMemcpy(dRowOf, rowOf.data(), rows * 4, cudaMemcpyHostToDevice));
            CK(cudaMemcpy(dSavedOf, savedOf.data(), rows * 4, cudaMemcpyHostToDevice));
            CK(cudaMemcpy(dIds, ids.data(), rows * 4, cudaMemcpyHostToDevice));
            CK(cudaMalloc(&partMax, rows * S * 4));
            CK(cudaMalloc(&partAbove, rows * S * 4));
            CK(cudaMalloc(&partSum, rows * S * 8));
            CK(cudaMalloc(&candV, rows * S * maxTop * 4));
            CK(cudaMalloc(&candI, rows * S * maxTop * 4));
            CK(cudaMalloc(&tickets, rows * 4));
            CK(cudaMemset(tickets, 0, rows * 4));
            CK(cudaMalloc(&outF, rows * (maxTop + 1) * 4));
            CK(cudaMalloc(&outI, rows * (maxTop + 2) * 4));
            for (int top : {0, 5, 20}) {
                std::vector<int> tops(rows, top);
                CK(cudaMemcpy(dTops, tops.data(), rows * 4, cudaMemcpyHostToDevice));
                std::vector<Ref> refs;
                for (int r = 0; r < rows; r++) refs.push_back(reference(h.data() + (size_t) r * vocab, vocab, ids[r], top));
                for (int kernel = 0; kernel < 2; kernel++) {
                    const char* name = kernel == 0 ? "row_logprobs (old)" : "split (engine)";
                    auto launch = [&]() {
                        if (kernel == 0) {
                            row_logprobs_old<<<rows, 1024>>>(dl, dl, vocab, dRowOf, dTops, dSavedOf, dIds, maxTop, outF, outI);
                            return;
                        }
                        dim3 grid(rows, S);
                        logprobs_split_max<<<grid, LOGPROB_THREADS>>>(dl, dl, vocab, dRowOf, dTops, dSavedOf, dIds, maxTop,
                                                                     partMax, partAbove, candV, candI);
                        logprobs_split_sum<<<grid, LOGPROB_THREADS>>>(dl, dl, vocab, dRowOf, dTops, dSavedOf, dIds, maxTop,
                                                                     partMax, partAbove, candV, candI, partSum, tickets, outF, outI);
                    };
                    CK(cudaMemset(outF, 0, rows * (maxTop + 1) * 4));
                    CK(cudaMemset(outI, 0, rows * (maxTop + 2) * 4));
                    launch();
                    CK(cudaDeviceSynchronize());
                    std::vector<float> f(rows * (maxTop + 1));
                    std::vector<int> n(rows * (maxTop + 2));
                    CK(cudaMemcpy(f.data(), outF, f.size() * 4, cudaMemcpyDeviceToHost));
                    CK(cudaMemcpy(n.data(), outI, n.size() * 4, cudaMemcpyDeviceToHost));
                    bool ok = true;
                    double worst = 0;
                    for (int r = 0; r < rows; r++) {
                        const float* fr = f.data() + r * (maxTop + 1);
                        const int* nr = n.data() + r * (maxTop + 2);
                        worst = std::max(worst, (double) std::fabs(fr[0] - refs[r].lp));
                        if (nr[0] != refs[r].rank) ok = false;
                        for (int k = 0; k < top; k++) {
                            if (nr[1 + k] != refs[r].ids[k]) ok = false;
                            worst = std::max(worst, (double) std::fabs(fr[1 + k] - refs[r].lps[k]));
                        }
                    }
                    if (worst > 4e-6) ok = false;  // a float ulp of logZ at |logZ| ~ 16-32
                    if (!ok) failures++;
                    cudaEvent_t e0, e1;
                    CK(cudaEventCreate(&e0));
                    CK(cudaEventCreate(&e1));
                    for (int i = 0; i < 20; i++) launch();
                    CK(cudaEventRecord(e0));
                    const int reps = 200;
                    for (int i = 0; i < reps; i++) launch();
                    CK(cudaEventRecord(e1));
                    CK(cudaEventSynchronize(e1));
                    float ms = 0;
                    CK(cudaEventElapsedTime(&ms, e0, e1));
                    printf("%-8d %5d %4d %-18s %10.2f %s (max |diff| %.1e)\n", vocab, rows, top, name, ms * 1000 / reps,
                           ok ? "ok" : "MISMATCH", worst);
                    fflush(stdout);
                    CK(cudaEventDestroy(e0));
                    CK(cudaEventDestroy(e1));
                }
            }
            cudaFree(dl); cudaFree(dRowOf); cudaFree(dTops); cudaFree(dSavedOf); cudaFree(dIds); cudaFree(partMax);
            cudaFree(partAbove); cudaFree(partSum); cudaFree(candV); cudaFree(candI); cudaFree(tickets); cudaFree(outF);
            cudaFree(outI);
        }
    }
    printf(failures ? "%d MISMATCHES\n" : "all results equal the reference\n", failures);
    return failures ? 1 : 0;
}
