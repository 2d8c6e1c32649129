// Standalone check and benchmark of the prefill attention kernels (no Java): flash_prefill_d* (old, the verified
// fallback) against flash_prefill2_d* (wgmma, sm_90a; what the engine launches) and alternative configurations of the
// new bodies, all against a naive fp32 reference over the same paged KV cache. Build and run (H100):
//   nvcc -O3 -std=c++17 -gencode arch=compute_90a,code=sm_90a -Xptxas -v -I engine/src/main/cuda \
//        engine/src/test/cuda/flash_bench.cu -o /tmp/flash_bench && /tmp/flash_bench /tmp/flash_bench.json
// Order: per head dim, the old kernel, the engine's default and the known-good alternatives run in this process
// (JSON flushed after every line). Then each new, never-run variant runs in a child process of its own (this binary
// with --child NAME; a trap or hang there kills only the child, which is reported as that variant's failure).
// Variants (fp3_variant<D, BN, ST, PP, QREG, ASYNC, PREG, TBL, DIAG, L2PF>, see flash_prefill2_ws_body), all 384
// threads and 1 block/SM: D=128: "plain bn64 x2/SM" (the plain body), "ws bn128 st3" (Q tile in shared memory,
// synchronous arrivals, one table load per row), "ws bn64 st4 (old default)" (the engine's kernel before 128-key
// tiles), "ws bn128 qat r56" (the engine's configuration with producer 56 / consumers 224 registers), "ws bn128 qat
// l2pf" (with the L2::256B prefetch hint), "ws bn128 qat nopp" (consumers issue without taking turns), "ws bn64 st6
// qat" (64-key tiles, 6 stages, Q in registers, ASYNC, TBL); D=64: "ws bn128 st4". DIAG variants (not built by
// default) skip the softmax or the copies: timing bounds only, they fail the checks.
// Environment filters for profiling: FLASH_BENCH_CASES and FLASH_BENCH_VARIANTS (comma-separated names).
// Last, a summary names the fastest passing flash_prefill2 configuration per case and per head dim.
// Exit status: 0 all good; 1 flash_prefill2_d* is less accurate than allowed (2 x old error + 1e-3, max-abs or
// relative L2) or produced non-finite output; 3 only an alternative configuration failed (or crashed); 2 a CUDA
// error in the main process.
#include <cuda_runtime.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>
#include <map>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "prefill_attention.cuh"
#include "flash_prefill2.cuh"

#include "check_cuda.h"

typedef void (*AttnKernel)(const float*, int, const bf16*, const bf16*, const int*, const int*, const int*, int, bf16*,
                           int, int, int, float, int);

// The plain body at other tile sizes and blocks per SM.
template <int D, int BN, int MINB>
__global__ void __launch_bounds__(FP2_THREADS, MINB)
        fp2_variant(const float* qkv, int cols, const bf16* kc, const bf16* vc, const int* positions, const int* tiles,
                    const int* blockTables, int btStride, bf16* out, int qHeads, int kvHeads, int blockShift,
                    float scaleLog2, int numTiles) {
    flash_prefill2_body<D, BN>(qkv, cols, kc, vc, positions, tiles, blockTables, btStride, out, qHeads, kvHeads,
                               blockShift, scaleLog2, numTiles);
}

// Warp-specialised body: 384 threads (producer + two consumer warpgroups), one block per SM.
template <int D, int BN, int ST, int PP = 1, int QREG = 0, int ASYNC = 0, int PREG = FP3_PRODUCER_REGS, int TBL = 0,
          int DIAG = 0, int L2PF = 0>
__global__ void __launch_bounds__(FP3_THREADS, 1)
        fp3_variant(const float* qkv, int cols, const bf16* kc, const bf16* vc, const int* positions, const int* tiles,
                    const int* blockTables, int btStride, bf16* out, int qHeads, int kvHeads, int blockShift,
                    float scaleLog2, int numTiles) {
    flash_prefill2_ws_body<D, BN, ST, PP, QREG, ASYNC, PREG, TBL, DIAG, L2PF>(qkv, cols, kc, vc, positions, tiles, blockTables, btStride, out, qHeads, kvHeads,
                                      blockShift, scaleLog2, numTiles);
}

// Reference: one block per (checked row, head); softmax(q K^T * scale) V in fp32 over keys 0..pos, q rounded to bf16
// as the kernels do.
__global__ void ref_attention(const float* qkv, int cols, const bf16* kc, const bf16* vc, const int* positions,
                              const int* seqOfToken, const int* blockTables, int btStride, const int* rowList,
                              float* ref, int qHeads, int kvHeads, int D, int blockShift, float scale) {
    extern __shared__ float rsm[];  // [D] q, then [pos + 1] scores
    __shared__ float red[32];
    const int token = rowList[blockIdx.x], h = blockIdx.y, kvh = h / (qHeads / kvHeads);
    const int pos = positions[token];
    const int* table = blockTables + (size_t) seqOfToken[token] * btStride;
    const int bs = 1 << blockShift;
    float* q = rsm;
    float* sc = rsm + D;
    for (int d = threadIdx.x; d < D; d += blockDim.x)
        q[d] = __bfloat162float(__float2bfloat16(qkv[(size_t) token * cols + (size_t) h * D + d]));
    __syncthreads();
    float mx = -INFINITY;
    for (int j = threadIdx.x; j <= pos; j += blockDim.x) {
        const bf16* k = kc + (((size_t) table[j >> blockShift] * kvHeads + kvh) * bs + (j & (bs - 1))) * D;
        float acc = 0.f;
        for (int d = 0; d < D; d++) acc += q[d] * __bfloat162float(k[d]);
        sc[j] = acc * scale;
        mx = fmaxf(mx, sc[j]);
    }
    mx = block_max(mx, red);
    float sum = 0.f;
    for (int j = threadIdx.x; j <= pos; j += blockDim.x) {
        sc[j] = expf(sc[j] - mx);
        sum += sc[j];
    }
    sum = block_sum(sum, red);  // its barriers also publish sc
    for (int d = threadIdx.x; d < D; d += blockDim.x) {
        float acc = 0.f;
        for (int j = 0; j <= pos; j++) {
            const bf16* v = vc + (((size_t) table[j >> blockShift] * kvHeads + kvh) * bs + (j & (bs - 1))) * D;
            acc += sc[j] * __bfloat162float(v[d]);
        }
        ref[((size_t) blockIdx.x * qHeads + h) * D + d] = acc / sum;
    }
}

struct Variant {
    std::string name;
    AttnKernel k;
    int threads, smem;
    bool isNew, isAlt;
    bool risky = false;    // never run on a GPU before: only in a child process of its own
    bool report = true;    // false: run once only for the old kernel's error (the baseline of a child's checks)
    bool enabled = true;
};

struct Seq {
    int prefix, rows;
};

struct Case {
    std::string name;
    std::vector<Seq> seqs;
    bool trend;     // keys drift upwards along the sequence: the running max keeps growing (exercises rescaling)
    int checkStep;  // check every checkStep-th row (plus the last 128 rows of each sequence)
};

struct Shape {
    int D, qHeads, kvHeads;
    const char* model;
};

struct Row {
    int D;
    std::string cs, kernel;
    double tflops;
    bool isNew, fail;
};

struct Results {
    bool firstJson = true, newFailed = false, altFailed = false;
    std::vector<std::string> failures;
    std::vector<Row> rows;
};

static float bf2f(bf16 v) { return __bfloat162float(v); }

static const Shape kShapes[] = {{128, 16, 8, "qwen3-0.6b"}, {64, 32, 8, "llama-3.2-1b"}};
static const Case kCases[] = {
        {"n512", {{0, 512}}, false, 1},
        {"n2048", {{0, 2048}}, false, 1},
        {"n8192", {{0, 8192}}, false, 16},
        {"prefix1000+1500", {{1000, 1500}}, true, 1},
        {"2seq700+1300", {{0, 700}, {0, 1300}}, true, 1},
};

// Every variant of one head dim, in run order: old (the error baseline), the engine's default, known-good
// alternatives, then the new (risky) ones.
static std::vector<Variant> variantsFor(int D) {
    std::vector<Variant> v;
    if (D == 128) {
        v.push_back({"old flash_prefill_d128", flash_prefill_d128, FP_THREADS, (FP_BM + 4 * FP_BN) * D * 2, false, false});
        v.push_back({"new flash_prefill2_d128", flash_prefill2_d128, FLASH_PREFILL2_THREADS(128), FLASH_PREFILL2_SMEM(128), true, false});
        v.push_back({"plain bn64 x2/SM", fp2_variant<128, 64, 2>, FP2_THREADS, FP2_SMEM(128, 64), true, true, true});
        v.push_back({"ws bn128 st3", fp3_variant<128, 128, 3>, FP3_THREADS, FP3_SMEM(128, 128, 3), true, true, true});
        // fp3_variant<D, BN, ST, PP, QREG, ASYNC, PREG, TBL, DIAG, L2PF>
        v.push_back({"ws bn64 st4 (old default)", fp3_variant<128, 64, 4>, FP3_THREADS, FP3_SMEM(128, 64, 4), true, true, true});
        v.push_back({"ws bn128 qat r56", fp3_variant<128, 128, 3, 1, 1, 1, 56, 1>, FP3_THREADS, FP3_SMEM_Q(128, 128, 3, 1), true, true, true});
        v.push_back({"ws bn128 qat l2pf", fp3_variant<128, 128, 3, 1, 1, 1, 40, 1, 0, 1>, FP3_THREADS, FP3_SMEM_Q(128, 128, 3, 1), true, true, true});
        v.push_back({"ws bn128 qat nopp", fp3_variant<128, 128, 3, 0, 1, 1, 40, 1>, FP3_THREADS, FP3_SMEM_Q(128, 128, 3, 1), true, true, true});
        v.push_back({"ws bn64 st6 qat", fp3_variant<128, 64, 6, 1, 1, 1, 56, 1>, FP3_THREADS, FP3_SMEM_Q(128, 64, 6, 1), true, true, true});
    } else {
        v.push_back({"old flash_prefill_d64", flash_prefill_d64, FP_THREADS, (FP_BM + 4 * FP_BN) * D * 2, false, false});
        v.push_back({"new flash_prefill2_d64", flash_prefill2_d64, FLASH_PREFILL2_THREADS(64), FLASH_PREFILL2_SMEM(64), true, false});
        v.push_back({"ws bn128 st4", fp3_variant<64, 128, 4>, FP3_THREADS, FP3_SMEM(64, 128, 4), true, true, true});
    }
    return v;
}

// Optional filters for profiling runs: FLASH_BENCH_CASES (case names) and FLASH_BENCH_VARIANTS (names of the
// child-process variants), comma-separated; unset runs everything.
static bool selected(const char* env, const std::string& name) {
    const char* e = getenv(env);
    if (!e) return true;
    const std::string list = std::string(",") + e + ",";
    return list.find("," + name + ",") != std::string::npos;
}

static void printHeader() {
    printf("\n%-13s %-16s %6s %-24s %9s %9s %10s %10s %8s\n", "model", "case", "rows", "kernel", "ms", "TFLOP/s",
           "max_abs", "rel_l2", "vs_old");
    fflush(stdout);
}

static void runShape(const Shape& sh, std::vector<Variant>& vars, FILE* js, Results& out) {
    const int D = sh.D, qH = sh.qHeads, kvH = sh.kvHeads;
    const int cols = (qH + 2 * kvH) * D;
    const float scale = 1.f / sqrtf((float) D), scaleLog2 = scale * BATON_LOG2E;
    const int blockShift = 4, bs = 1 << blockShift;
    for (const Variant& v : vars)
        if (v.enabled) CK(cudaFuncSetAttribute((const void*) v.k, cudaFuncAttributeMaxDynamicSharedMemorySize, v.smem));
    for (const Variant& v : vars) {
        if (!v.enabled || !v.report) continue;
        int perSm = 0;
        CK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&perSm, v.k, v.threads, v.smem));
        printf("  %-24s D=%d: %d threads, %d bytes smem, %d block(s)/SM\n", v.name.c_str(), D, v.threads, v.smem, perSm);
    }
    fflush(stdout);
    printHeader();
    for (const Case& cs : kCases) {
        if (!selected("FLASH_BENCH_CASES", cs.name)) continue;
        std::mt19937 rng(1234 + D);
        std::uniform_real_distribution<float> u(-1.f, 1.f);
        // Host-side batch metadata, as BatchMetadata builds it.
        std::vector<int> positions, seqOfToken, tiles, kvLens;
        int totalBlocks = 0, maxBlocks = 0;
        for (size_t s = 0; s < cs.seqs.size(); s++) {
            const int t0 = (int) positions.size();
            for (int r = 0; r < cs.seqs[s].rows; r++) {
                positions.push_back(cs.seqs[s].prefix + r);
                seqOfToken.push_back((int) s);
            }
            for (int r = 0; r < cs.seqs[s].rows; r += FP_BM) {
                tiles.push_back(t0 + r);
                tiles.push_back(std::min(FP_BM, cs.seqs[s].rows - r));
                tiles.push_back((int) s);
            }
            const int kvLen = cs.seqs[s].prefix + cs.seqs[s].rows;
            kvLens.push_back(kvLen);
            const int nb = (kvLen + bs - 1) / bs;
            totalBlocks += nb;
            maxBlocks = std::max(maxBlocks, nb);
        }
        const int T = (int) positions.size(), numTiles = (int) tiles.size() / 3, btStride = maxBlocks;
        std::vector<int> perm(totalBlocks);
        for (int i = 0; i < totalBlocks; i++) perm[i] = i;
        std::shuffle(perm.begin(), perm.end(), rng);
        std::vector<int> bt((size_t) cs.seqs.size() * btStride, -1);
        {
            int at = 0;
            for (size_t s = 0; s < cs.seqs.size(); s++)
                for (int b = 0; b < (kvLens[s] + bs - 1) / bs; b++) bt[s * btStride + b] = perm[at++];
        }
        // Cache [block][kvHead][slot][D]; qkv [T][cols] with only the q part read.
        const size_t cacheElems = (size_t) totalBlocks * kvH * bs * D;
        std::vector<bf16> hk(cacheElems), hv(cacheElems);
        for (size_t i = 0; i < cacheElems; i++) {
            hk[i] = __float2bfloat16(u(rng));
            hv[i] = __float2bfloat16(u(rng));
        }
        if (cs.trend)
            for (size_t s = 0; s < cs.seqs.size(); s++)
                for (int j = 0; j < kvLens[s]; j++)
                    for (int g = 0; g < kvH; g++)
                        for (int d = 0; d < 8; d++) {
                            const size_t at = (((size_t) bt[s * btStride + (j >> blockShift)] * kvH + g) * bs +
                                               (j & (bs - 1))) * D + d;
                            hk[at] = __float2bfloat16(bf2f(hk[at]) + 8.f * j / kvLens[s]);
                        }
        std::vector<float> hq((size_t) T * cols);
        for (int t = 0; t < T; t++)
            for (int c = 0; c < cols; c++) {
                float x = 2.f * u(rng);
                if (cs.trend && c % D < 8) x = 2.f + fabsf(x) * 0.5f;
                hq[(size_t) t * cols + c] = x;
            }
        std::vector<int> rowList;
        for (int t = 0; t < T; t++) {
            const int s = seqOfToken[t];
            const int lastRows = positions[t] >= kvLens[s] - 128;
            if (t % cs.checkStep == 0 || lastRows) rowList.push_back(t);
        }
        const int R = (int) rowList.size();
        double flops = 0;
        for (int t = 0; t < T; t++) flops += 4.0 * qH * D * (positions[t] + 1.0);

        float *dq, *dref;
        bf16 *dk, *dv, *dout;
        int *dpos, *dseq, *dtiles, *dbt, *drows;
        CK(cudaMalloc(&dq, hq.size() * 4));
        CK(cudaMalloc(&dk, cacheElems * 2));
        CK(cudaMalloc(&dv, cacheElems * 2));
        CK(cudaMalloc(&dout, (size_t) T * qH * D * 2));
        CK(cudaMalloc(&dref, (size_t) R * qH * D * 4));
        CK(cudaMalloc(&dpos, T * 4));
        CK(cudaMalloc(&dseq, T * 4));
        CK(cudaMalloc(&dtiles, tiles.size() * 4));
        CK(cudaMalloc(&dbt, bt.size() * 4));
        CK(cudaMalloc(&drows, R * 4));
        CK(cudaMemcpy(dq, hq.data(), hq.size() * 4, cudaMemcpyHostToDevice));
        CK(cudaMemcpy(dk, hk.data(), cacheElems * 2, cudaMemcpyHostToDevice));
        CK(cudaMemcpy(dv, hv.data(), cacheElems * 2, cudaMemcpyHostToDevice));
        CK(cudaMemcpy(dpos, positions.data(), T * 4, cudaMemcpyHostToDevice));
        CK(cudaMemcpy(dseq, seqOfToken.data(), T * 4, cudaMemcpyHostToDevice));
        CK(cudaMemcpy(dtiles, tiles.data(), tiles.size() * 4, cudaMemcpyHostToDevice));
        CK(cudaMemcpy(dbt, bt.data(), bt.size() * 4, cudaMemcpyHostToDevice));
        CK(cudaMemcpy(drows, rowList.data(), R * 4, cudaMemcpyHostToDevice));

        int maxKv = 0;
        for (int l : kvLens) maxKv = std::max(maxKv, l);
        const int refSmem = (D + maxKv) * 4;
        CK(cudaFuncSetAttribute((const void*) ref_attention, cudaFuncAttributeMaxDynamicSharedMemorySize, refSmem));
        ref_attention<<<dim3(R, qH), 128, refSmem>>>(dq, cols, dk, dv, dpos, dseq, dbt, btStride, drows, dref, qH,
                                                     kvH, D, blockShift, scale);
        CK(cudaGetLastError());
        CK(cudaDeviceSynchronize());
        std::vector<float> href((size_t) R * qH * D);
        CK(cudaMemcpy(href.data(), dref, href.size() * 4, cudaMemcpyDeviceToHost));

        std::vector<bf16> hout((size_t) T * qH * D);
        double oldAbs = 0, oldRel = 0, oldMs = 0;
        for (const Variant& v : vars) {
            if (!v.enabled) continue;
            auto launch = [&]() {
                v.k<<<dim3(numTiles, qH), v.threads, v.smem>>>(dq, cols, dk, dv, dpos, dtiles, dbt, btStride, dout,
                                                               qH, kvH, blockShift, scaleLog2, numTiles);
            };
            // Correctness: output poisoned with NaN first, so unwritten rows show.
            CK(cudaMemset(dout, 0xFF, hout.size() * 2));
            launch();
            CK(cudaGetLastError());
            CK(cudaDeviceSynchronize());
            CK(cudaMemcpy(hout.data(), dout, hout.size() * 2, cudaMemcpyDeviceToHost));
            double maxAbs = 0, num = 0, den = 0;
            bool finite = true;
            for (int i = 0; i < R; i++)
                for (int c = 0; c < qH * D; c++) {
                    const float got = bf2f(hout[(size_t) rowList[i] * qH * D + c]);
                    const float want = href[(size_t) i * qH * D + c];
                    if (!std::isfinite(got)) finite = false;
                    const double e = fabs((double) got - want);
                    maxAbs = std::max(maxAbs, e);
                    num += e * e;
                    den += (double) want * want;
                }
            const double rel = sqrt(num / std::max(den, 1e-30));
            // Timing: warm-up, then the median of 15 individually timed launches (a baseline-only run: none).
            const int reps = v.report ? 15 : 1;
            for (int i = 0; i < (v.report ? 3 : 0); i++) launch();
            CK(cudaGetLastError());
            cudaEvent_t e0, e1;
            CK(cudaEventCreate(&e0));
            CK(cudaEventCreate(&e1));
            std::vector<float> ms;
            for (int i = 0; i < reps; i++) {
                CK(cudaEventRecord(e0));
                launch();
                CK(cudaEventRecord(e1));
                CK(cudaEventSynchronize(e1));
                float m;
                CK(cudaEventElapsedTime(&m, e0, e1));
                ms.push_back(m);
            }
            CK(cudaGetLastError());
            CK(cudaEventDestroy(e0));
            CK(cudaEventDestroy(e1));
            std::sort(ms.begin(), ms.end());
            const double med = ms[ms.size() / 2];
            const double tflops = flops / (med * 1e-3) / 1e12;
            if (!v.isNew) {
                oldAbs = maxAbs;
                oldRel = rel;
                oldMs = med;
            }
            bool fail = false;
            if (!v.report) continue;
            if (v.isNew && (!finite || maxAbs > 2 * oldAbs + 1e-3 || rel > 2 * oldRel + 1e-3 || !(maxAbs == maxAbs))) {
                fail = true;
                char buf[512];
                snprintf(buf, sizeof buf, "%s D=%d %s: max_abs %.3g (old %.3g), rel_l2 %.3g (old %.3g)%s",
                         v.name.c_str(), D, cs.name.c_str(), maxAbs, oldAbs, rel, oldRel,
                         finite ? "" : ", NON-FINITE output");
                out.failures.push_back(buf);
                if (v.isAlt) out.altFailed = true;
                else out.newFailed = true;
            }
            const double ratio = v.isNew ? oldMs / med : 1.0;
            printf("%-13s %-16s %6d %-22s %9.3f %9.1f %10.2e %10.2e %7.2fx%s\n", sh.model, cs.name.c_str(), T,
                   v.name.c_str(), med, tflops, maxAbs, rel, ratio, fail ? "  FAIL" : "");
            fflush(stdout);
            fprintf(js,
                    "%s  {\"model\": \"%s\", \"head_dim\": %d, \"q_heads\": %d, \"kv_heads\": %d, \"case\": \"%s\", "
                    "\"rows\": %d, \"checked_rows\": %d, \"kernel\": \"%s\", \"threads\": %d, \"smem\": %d, "
                    "\"ms\": %.5f, \"tflops\": %.2f, \"speedup_vs_old\": %.4f, \"max_abs_err\": %.4e, "
                    "\"rel_l2_err\": %.4e, \"finite\": %s, \"fail\": %s}",
                    out.firstJson ? "" : ",\n", sh.model, D, qH, kvH, cs.name.c_str(), T, R, v.name.c_str(), v.threads,
                    v.smem, med, tflops, ratio, maxAbs, rel, finite ? "true" : "false", fail ? "true" : "false");
            out.firstJson = false;
            fflush(js);
            out.rows.push_back({D, cs.name, v.name, tflops, v.isNew, fail});
        }
        CK(cudaFree(dq));
        CK(cudaFree(dk));
        CK(cudaFree(dv));
        CK(cudaFree(dout));
        CK(cudaFree(dref));
        CK(cudaFree(dpos));
        CK(cudaFree(dseq));
        CK(cudaFree(dtiles));
        CK(cudaFree(dbt));
        CK(cudaFree(drows));
    }
}

// Child: one risky variant (with the old kernel run once per case for the error baseline). Rows go to stdout,
// JSON records to jsonPath, and "D<TAB>case<TAB>kernel<TAB>tflops<TAB>fail" lines to jsonPath.tsv.
static int childMain(const char* name, const char* jsonPath) {
    CK(cudaSetDevice(0));
    for (const Shape& sh : kShapes) {
        std::vector<Variant> vars = variantsFor(sh.D);
        bool found = false;
        for (Variant& v : vars) {
            const bool mine = v.risky && v.name == name;
            found |= mine;
            v.enabled = mine || !v.isNew;
            v.report = mine;
        }
        if (!found) continue;
        FILE* js = fopen(jsonPath, "w");
        if (!js) return 2;
        Results out;
        out.firstJson = false;  // records are appended after the parent's
        runShape(sh, vars, js, out);
        fclose(js);
        std::string tsv = std::string(jsonPath) + ".tsv";
        FILE* t = fopen(tsv.c_str(), "w");
        if (!t) return 2;
        for (const Row& r : out.rows) fprintf(t, "%d\t%s\t%s\t%.4f\t%d\n", r.D, r.cs.c_str(), r.kernel.c_str(), r.tflops, r.fail ? 1 : 0);
        fclose(t);
        for (const std::string& f : out.failures) printf("FAIL: %s\n", f.c_str());
        fflush(stdout);
        return out.failures.empty() ? 0 : 3;
    }
    fprintf(stderr, "no risky variant named '%s'\n", name);
    return 2;
}

int main(int argc, char** argv) {
    if (argc > 3 && std::string(argv[1]) == "--child") return childMain(argv[2], argv[3]);
    const char* jsonPath = argc > 1 ? argv[1] : "flash_bench.json";
    int dev = 0;
    CK(cudaSetDevice(dev));
    cudaDeviceProp prop;
    CK(cudaGetDeviceProperties(&prop, dev));
    printf("device: %s (sm_%d%d, %d SMs, %zu KiB smem/block opt-in)\n", prop.name, prop.major, prop.minor,
           prop.multiProcessorCount, prop.sharedMemPerBlockOptin / 1024);
    if (prop.major != 9 || prop.minor != 0) {
        fprintf(stderr, "flash_prefill2 needs an sm_90 GPU (this binary carries sm_90a code only)\n");
        return 2;
    }
    printf("engine launch: flash_prefill2_d64 %d threads, %d bytes smem; flash_prefill2_d128 %d threads, %d bytes smem\n",
           FLASH_PREFILL2_THREADS(64), FLASH_PREFILL2_SMEM(64), FLASH_PREFILL2_THREADS(128), FLASH_PREFILL2_SMEM(128));

    FILE* js = fopen(jsonPath, "w");
    if (!js) {
        fprintf(stderr, "cannot write %s\n", jsonPath);
        return 2;
    }
    fprintf(js, "{\"device\": \"%s\", \"results\": [\n", prop.name);
    fflush(js);
    Results res;

    // 1. Old kernel, engine default and known-good alternatives, in this process.
    for (const Shape& sh : kShapes) {
        std::vector<Variant> vars = variantsFor(sh.D);
        for (Variant& v : vars) v.enabled = !v.risky;
        printf("\n== %s: head_dim %d, %d q heads, %d kv heads (known-good kernels)\n", sh.model, sh.D, sh.qHeads, sh.kvHeads);
        runShape(sh, vars, js, res);
    }

    // 2. New variants, each in a child process: a trap (dead CUDA context) or a hang fails only that variant.
    for (const Shape& sh : kShapes)
        for (const Variant& v : variantsFor(sh.D)) {
            if (!v.risky || !selected("FLASH_BENCH_VARIANTS", v.name)) continue;
            printf("\n== D=%d %s (child process)\n", sh.D, v.name.c_str());
            fflush(stdout);
            const std::string frag = std::string(jsonPath) + ".child.json";
            remove(frag.c_str());
            remove((frag + ".tsv").c_str());
            const pid_t pid = fork();
            if (pid == 0) {
                alarm(300);  // survives exec: a hung kernel kills the child after 5 minutes
                execl("/proc/self/exe", argv[0], "--child", v.name.c_str(), frag.c_str(), (char*) nullptr);
                _exit(2);
            }
            int st = 0;
            if (pid < 0 || waitpid(pid, &st, 0) < 0) st = 2 << 8;
            const bool exited = WIFEXITED(st);
            const int code = exited ? WEXITSTATUS(st) : -1;
            if (FILE* f = fopen(frag.c_str(), "r")) {  // the child's JSON records, each led by a comma
                char buf[4096];
                size_t n;
                while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, js);
                fclose(f);
                fflush(js);
            }
            if (FILE* f = fopen((frag + ".tsv").c_str(), "r")) {
                char cs[128], kn[128];
                int d, fl;
                double tf;
                while (fscanf(f, "%d\t%127[^\t]\t%127[^\t]\t%lf\t%d\n", &d, cs, kn, &tf, &fl) == 5)
                    res.rows.push_back({d, cs, kn, tf, true, fl != 0});
                fclose(f);
            }
            remove(frag.c_str());
            remove((frag + ".tsv").c_str());
            if (code != 0) {
                char buf[256];
                if (code == 3) snprintf(buf, sizeof buf, "%s D=%d: failed its checks (lines above)", v.name.c_str(), sh.D);
                else if (exited) snprintf(buf, sizeof buf, "%s D=%d: child exited with %d (CUDA error or trap)", v.name.c_str(), sh.D, code);
                else snprintf(buf, sizeof buf, "%s D=%d: child killed by signal %d%s", v.name.c_str(), sh.D, WTERMSIG(st),
                              WTERMSIG(st) == SIGALRM ? " (hang, 300 s)" : "");
                res.failures.push_back(buf);
                res.altFailed = true;
                // Cases it never finished count as failed in the summary.
                for (const Case& cs : kCases) {
                    bool seen = false;
                    for (const Row& r : res.rows) seen |= r.D == sh.D && r.kernel == v.name && r.cs == cs.name;
                    if (!seen) res.rows.push_back({sh.D, cs.name, v.name, 0.0, true, true});
                }
            }
            fflush(stdout);
        }

    fprintf(js, "\n], \"new_failed\": %s, \"alt_failed\": %s}\n", res.newFailed ? "true" : "false",
            res.altFailed ? "true" : "false");
    fclose(js);
    printf("\nJSON written to %s\n", jsonPath);

    // 3. Summary: the fastest passing flash_prefill2 configuration per case, then per head dim by the geometric mean
    // over the cases (a failure in any case disqualifies a configuration), and the n8192 winner.
    printf("\n== summary (TFLOP/s of passing flash_prefill2 configurations)\n");
    const int nCases = (int) (sizeof kCases / sizeof kCases[0]);
    for (const Shape& sh : kShapes) {
        std::map<std::string, std::pair<double, int>> geo;  // kernel -> (sum of logs, passing cases); -1: failed
        for (const Case& cs : kCases) {
            const Row* best = nullptr;
            for (const Row& r : res.rows) {
                if (r.D != sh.D || r.cs != cs.name || !r.isNew) continue;
                auto& g = geo[r.kernel];
                if (r.fail || g.second < 0) g.second = -1;
                else {
                    g.first += log(std::max(r.tflops, 1e-9));
                    g.second++;
                }
                if (!r.fail && (!best || r.tflops > best->tflops)) best = &r;
            }
            if (best) printf("D=%-3d %-16s best: %-24s %7.1f TFLOP/s\n", sh.D, cs.name.c_str(), best->kernel.c_str(), best->tflops);
        }
        std::string win;
        double winGeo = 0;
        for (auto& kv : geo) {
            if (kv.second.second != nCases) {
                printf("D=%-3d geomean %-24s   failed\n", sh.D, kv.first.c_str());
                continue;
            }
            const double g = exp(kv.second.first / kv.second.second);
            printf("D=%-3d geomean %-24s %7.1f TFLOP/s\n", sh.D, kv.first.c_str(), g);
            if (g > winGeo) {
                winGeo = g;
                win = kv.first;
            }
        }
        printf("WINNER D=%d: %s (geomean %.1f TFLOP/s)%s\n", sh.D, win.empty() ? "none" : win.c_str(), winGeo,
               win.rfind("new ", 0) == 0 ? " = the engine's default" : " -- not the engine's default");
    }
    for (const std::string& f : res.failures) printf("FAIL: %s\n", f.c_str());
    if (res.newFailed) {
        printf("VERDICT: FAIL (the engine's flash_prefill2_d* kernels)\n");
        return 1;
    }
    if (res.altFailed) {
        printf("VERDICT: engine kernels OK; an alternative failed (exit 3)\n");
        return 3;
    }
    printf("VERDICT: all checks passed\n");
    return 0;
}
