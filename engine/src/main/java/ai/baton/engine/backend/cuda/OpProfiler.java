package ai.baton.engine.backend.cuda;

import jcuda.driver.CUevent;
import jcuda.driver.JCudaDriver;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GPU time per op, for benchmarks: events around each op with a wait after it, so the numbers exclude launch gaps
 * (and the run is slower). Only for eager forward passes.
 */
final class OpProfiler implements AutoCloseable {
    private final CudaContext cx;
    private final CUevent start = new CUevent(), stop = new CUevent();
    private final Map<String, double[]> totals = new LinkedHashMap<>();

    OpProfiler(CudaContext cx) {
        this.cx = cx;
        Cu.check(JCudaDriver.cuEventCreate(start, 0), "cuEventCreate");
        Cu.check(JCudaDriver.cuEventCreate(stop, 0), "cuEventCreate");
    }

    void begin() {
        Cu.check(JCudaDriver.cuEventRecord(start, cx.stream), "cuEventRecord");
    }

    void end(String op) {
        Cu.check(JCudaDriver.cuEventRecord(stop, cx.stream), "cuEventRecord");
        Cu.check(JCudaDriver.cuEventSynchronize(stop), "op " + op);
        float[] ms = {0};
        Cu.check(JCudaDriver.cuEventElapsedTime(ms, start, stop), "cuEventElapsedTime");
        double[] t = totals.computeIfAbsent(op, k -> new double[2]);
        t[0] += ms[0];
        t[1]++;
    }

    /** Op name to {total ms, calls}. */
    Map<String, double[]> totals() { return totals; }

    @Override
    public void close() {
        JCudaDriver.cuEventDestroy(start);
        JCudaDriver.cuEventDestroy(stop);
    }
}
