package ai.baton.experiments.enginebench;

import ai.baton.engine.backend.Backend;
import ai.baton.engine.backend.BatchContext;
import ai.baton.engine.backend.ForwardBatch;
import ai.baton.engine.backend.KvCacheStorage;
import ai.baton.engine.backend.KvLayout;
import ai.baton.engine.backend.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * A backend that forwards every op to another one and copies each op's result to the host, so two backends running
 * the same model can be compared op by op (the first op whose output differs is where a kernel is wrong).
 */
final class TracingBackend implements Backend {
    final Backend d;
    final List<String> names = new ArrayList<>();
    final List<float[]> values = new ArrayList<>();

    TracingBackend(Backend d) { this.d = d; }

    private void rec(String name, Tensor t) {
        names.add(name);
        values.add(d.toHost(t));
    }

    @Override public String name() { return "trace(" + d.name() + ")"; }
    @Override public Tensor loadWeight(List<WeightSlice> parts) { return d.loadWeight(parts); }
    @Override public Tensor allocate(int rows, int cols) { return d.allocate(rows, cols); }
    @Override public Tensor view(Tensor t, int rows) { return d.view(t, rows); }
    @Override public KvCacheStorage allocateKvCache(KvLayout layout) { return d.allocateKvCache(layout); }
    @Override public BatchContext prepare(ForwardBatch batch, float[] f) { return d.prepare(batch, f); }

    @Override public void embedding(BatchContext b, Tensor table, Tensor out) { d.embedding(b, table, out); rec("embedding", out); }

    @Override public void rmsNorm(Tensor x, Tensor w, float eps, Tensor out) { d.rmsNorm(x, w, eps, out); rec("rmsNorm", out); }

    @Override
    public void addRmsNorm(Tensor x, Tensor residual, Tensor w, float eps, Tensor out) {
        d.addRmsNorm(x, residual, w, eps, out);
        rec("addRmsNorm.residual", residual);
        rec("addRmsNorm.out", out);
    }

    @Override
    public void linear(Tensor x, Tensor w, Tensor bias, Tensor out) {
        d.linear(x, w, bias, out);
        rec("linear " + x.rows() + "x" + w.rows() + "x" + w.cols(), out);
    }

    @Override
    public void qkNorm(Tensor qkv, int q, int kv, int hd, Tensor qw, Tensor kw, float eps) {
        d.qkNorm(qkv, q, kv, hd, qw, kw, eps);
        rec("qkNorm", qkv);
    }

    @Override
    public void ropeAndStore(BatchContext b, Tensor qkv, int q, int kv, int hd, KvCacheStorage cache, int layer) {
        d.ropeAndStore(b, qkv, q, kv, hd, cache, layer);  // qkv afterwards is the backend's own (see Backend): not compared
        names.add("ropeAndStore");
        values.add(new float[0]);
    }

    @Override
    public void attention(BatchContext b, Tensor qkv, int q, int kv, int hd, KvCacheStorage cache, int layer, Tensor out) {
        d.attention(b, qkv, q, kv, hd, cache, layer, out);
        rec("attention", out);
    }

    @Override public void siluMul(Tensor gu, Tensor out) { d.siluMul(gu, out); rec("siluMul", out); }

    @Override public void gatherRows(BatchContext b, Tensor x, Tensor out) { d.gatherRows(b, x, out); rec("gatherRows", out); }

    @Override public float[] toHost(Tensor t) { return d.toHost(t); }

    @Override public void synchronize() { d.synchronize(); }

    @Override public void endForward(BatchContext b, Tensor logits) { d.endForward(b, logits); }

    @Override public void close() { d.close(); }
}
