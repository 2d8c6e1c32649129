package ai.baton.experiments.plot;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Throughput-versus-latency charts (XChart, PNG): one line per configuration through its load points in order of
 * offered load, and the Pareto frontier over all of them as a thick dashed black line.
 */
public final class Charts {
    private Charts() {}

    /** A chart of the points of one workload family; metric is ttft or tpot (or itl, e2el). */
    public static XYChart frontierChart(String title, List<RunPoint> points, String stat, String metric, String yAxis, boolean logX) {
        XYChart chart = new XYChartBuilder().width(1000).height(640).title(title)
                .xAxisTitle(stat + " " + metric.toUpperCase() + " (ms)").yAxisTitle(yTitle(yAxis)).build();
        var s = chart.getStyler();
        s.setLegendPosition(Styler.LegendPosition.OutsideE);
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotGridLinesColor(new Color(225, 225, 225));
        s.setMarkerSize(8);
        s.setXAxisLogarithmic(logX);
        s.setXAxisDecimalPattern("#,##0.#");
        s.setYAxisDecimalPattern("#,##0.#");

        Map<String, List<RunPoint>> bySeries = new LinkedHashMap<>();
        for (RunPoint p : points) {
            if (Double.isNaN(p.latency(stat, metric))) continue;
            bySeries.computeIfAbsent(p.series(), k -> new ArrayList<>()).add(p);
        }
        for (var e : bySeries.entrySet()) {
            List<RunPoint> ps = new ArrayList<>(e.getValue());
            ps.sort(Comparator.comparingDouble(RunPoint::loadOrder));  // the curve a configuration traces as load grows
            XYSeries series = chart.addSeries(e.getKey(), xs(ps, stat, metric), ys(ps, yAxis));
            series.setMarker(SeriesMarkers.CIRCLE);
        }
        List<RunPoint> front = Pareto.frontier(points, p -> p.latency(stat, metric), p -> p.y(yAxis));
        if (front.size() > 0) {
            XYSeries f = chart.addSeries("Pareto frontier", xs(front, stat, metric), ys(front, yAxis));
            f.setLineColor(Color.BLACK);
            f.setLineStyle(new BasicStroke(3f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[]{8f, 6f}, 0f));
            f.setMarker(SeriesMarkers.DIAMOND);
            f.setMarkerColor(Color.BLACK);
        }
        if (bySeries.isEmpty()) chart.addSeries("no data", new double[]{0}, new double[]{0});
        return chart;
    }

    static String yTitle(String yAxis) {
        return switch (yAxis) {
            case "output-per-gpu" -> "output tokens/s per GPU";
            case "request" -> "requests/s";
            default -> "output tokens/s";
        };
    }

    private static List<Double> xs(List<RunPoint> ps, String stat, String metric) {
        List<Double> x = new ArrayList<>();
        for (RunPoint p : ps) x.add(p.latency(stat, metric));
        return x;
    }

    private static List<Double> ys(List<RunPoint> ps, String yAxis) {
        List<Double> y = new ArrayList<>();
        for (RunPoint p : ps) y.add(p.y(yAxis));
        return y;
    }

    public static void savePng(XYChart chart, Path file) throws IOException {
        String f = file.toString();
        BitmapEncoder.saveBitmap(chart, f.endsWith(".png") ? f.substring(0, f.length() - 4) : f, BitmapEncoder.BitmapFormat.PNG);
    }

    public static byte[] png(XYChart chart) throws IOException {
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

}
