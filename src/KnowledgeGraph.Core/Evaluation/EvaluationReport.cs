using System.Globalization;
using System.Net;
using System.Text;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.Evaluation;

/// <summary>A passage shown in the report, with the classifier's spans (code-point offsets) and score.</summary>
public sealed record ReportExample(string Id, string Text, IReadOnlyList<SpanPrediction> Spans, float Score, bool Flagged, int? Label);

/// <summary>A labelled point for the precision-recall curve: a passage's score, its label, and its weight (a reviewed
/// corpus line weighs its stratum's size over the lines reviewed in it; a labelled passage weighs 1).</summary>
public sealed record CurvePoint(float Score, bool Positive, double Weight);

/// <summary>What an evaluation report shows.</summary>
public sealed record EvaluationReportData
{
    public required string? WikibaseId { get; init; }
    public required string ConceptLabel { get; init; }
    public required string ClassifierName { get; init; }
    public required string ClassifierId { get; init; }
    public double? Threshold { get; init; }
    public required IReadOnlyList<ClassifierEvaluation> Rows { get; init; }
    public required IReadOnlyList<CurvePoint> Curve { get; init; }
    /// <summary>Where the curve's labels come from, in words.</summary>
    public required string CurveSource { get; init; }
    public CorpusScanResult? Corpus { get; init; }
    public ReviewEstimate? Review { get; init; }
    public IReadOnlyList<ReportExample> Examples { get; init; } = [];
    public DateTimeOffset Created { get; init; } = DateTimeOffset.UtcNow;
}

/// <summary>Writes one self-contained HTML page (inline CSS and SVG; no script, no link to anything) that a person would
/// rather look at than read: the metric table, the precision-recall curve with the chosen threshold marked, the corpus
/// flag rate by threshold, and flagged and unflagged passages with their spans highlighted.</summary>
public static class EvaluationReport
{
    private const int Width = 420;
    private const int Height = 300;
    private const int Margin = 44;

    public static string Html(EvaluationReportData d)
    {
        var title = $"{d.WikibaseId} {d.ConceptLabel}: {d.ClassifierName} {d.ClassifierId}";
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append("</title>\n<style>")
            .Append("body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222}h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em}")
            .Append("table{border-collapse:collapse}td,th{padding:3px 9px;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child,td:nth-child(2),th:nth-child(2){text-align:left}")
            .Append(".plots{display:flex;gap:24px;flex-wrap:wrap}figure{margin:0}figcaption{font-size:12px;color:#555;max-width:").Append(Width).Append("px}")
            .Append("mark{background:#ffd54f;padding:0 1px;border-radius:2px}.passage{border-left:4px solid #90a4ae;padding:4px 10px;margin:8px 0;white-space:pre-wrap}")
            .Append(".flagged{border-color:#e65100}.meta{font-size:12px;color:#555}.axis{stroke:#999}.curve{fill:none;stroke:#1565c0;stroke-width:2}.rate{fill:none;stroke:#2e7d32;stroke-width:2}")
            .Append(".chosen{fill:#e65100}text{font-size:11px;fill:#444}</style></head><body>\n");
        html.Append("<h1>").Append(E(title)).Append("</h1>\n<p class=\"meta\">Evaluation report written ")
            .Append(d.Created.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture))
            .Append(d.Threshold is { } t ? $"; decision threshold {F(t)}" : "").Append(".</p>\n");

        html.Append("<h2>Metrics</h2>\n<table id=\"metrics\"><tr><th>Group</th><th>Level</th><th>Precision</th><th>Recall</th><th>F1</th><th>Support</th><th>Flagged</th><th>Flag rate</th></tr>\n");
        foreach (var r in d.Rows)
        {
            html.Append("<tr><td>").Append(E(r.Group)).Append("</td><td>").Append(E(r.Level)).Append("</td><td>").Append(Interval(r.Precision, r.PrecisionLow, r.PrecisionHigh))
                .Append("</td><td>").Append(Interval(r.Recall, r.RecallLow, r.RecallHigh)).Append("</td><td>").Append(Num(r.F1)).Append("</td><td>").Append(r.Support)
                .Append("</td><td>").Append(r.Flagged?.ToString(CultureInfo.InvariantCulture) ?? "").Append("</td><td>").Append(r.FlagRate is { } fr ? fr.ToString("P2", CultureInfo.InvariantCulture) : "")
                .Append("</td></tr>\n");
        }
        html.Append("</table>\n");
        if (d.Review is { } review)
        {
            html.Append("<p>On the corpus, estimated from ").Append(review.Reviewed).Append(" reviewed passages: precision ").Append(E(review.Precision.ToString()))
                .Append(", recall ").Append(E(review.Recall.ToString())).Append(" (95% intervals).");
            foreach (var note in review.Notes) html.Append(" Note: ").Append(E(note)).Append('.');
            html.Append("</p>\n");
        }

        html.Append("<h2>Curves</h2>\n<div class=\"plots\">\n");
        html.Append(PrecisionRecall(d));
        if (d.Corpus is { } corpus)
        {
            html.Append(FlagRate(corpus, d.Threshold));
        }
        html.Append("</div>\n");

        foreach (var (heading, flagged) in new[] { ("Flagged passages", true), ("Passages left alone", false) })
        {
            var examples = d.Examples.Where(e => e.Flagged == flagged).Take(25).ToList();
            html.Append("<h2>").Append(heading).Append(" (").Append(examples.Count).Append(")</h2>\n");
            foreach (var ex in examples)
            {
                html.Append("<div class=\"passage").Append(flagged ? " flagged" : "").Append("\" data-id=\"").Append(E(ex.Id)).Append("\"><div class=\"meta\">")
                    .Append(E(ex.Id)).Append(" · score ").Append(F(ex.Score))
                    .Append(ex.Label is { } l ? l == 1 ? " · reviewed: mentions the concept" : " · reviewed: does not" : "").Append("</div>")
                    .Append(Highlighted(ex)).Append("</div>\n");
            }
        }
        html.Append("</body></html>\n");
        return html.ToString();
    }

    /// <summary>Precision and recall at every distinct score taken as the threshold (highest first).</summary>
    public static IReadOnlyList<(double Threshold, double Precision, double Recall)> PrecisionRecallPoints(IReadOnlyList<CurvePoint> points)
    {
        var positives = points.Where(p => p.Positive).Sum(p => p.Weight);
        var result = new List<(double, double, double)>();
        if (positives <= 0) return result;
        double tp = 0, fp = 0;
        foreach (var group in points.Where(p => p.Score > 0).GroupBy(p => p.Score).OrderByDescending(g => g.Key))
        {
            tp += group.Where(p => p.Positive).Sum(p => p.Weight);
            fp += group.Where(p => !p.Positive).Sum(p => p.Weight);
            result.Add((group.Key, tp / (tp + fp), tp / positives));
        }
        return result;
    }

    private static string PrecisionRecall(EvaluationReportData d)
    {
        var points = PrecisionRecallPoints(d.Curve);
        var svg = Frame("pr-curve", "Recall", "Precision");
        if (points.Count > 0)
        {
            var path = string.Join(" ", points.Select((p, i) => (i == 0 ? "M" : "L") + X(p.Recall) + "," + Y(p.Precision)));
            svg.Append("<path class=\"curve\" d=\"").Append(path).Append("\"/>");
            foreach (var p in points)
            {
                svg.Append("<circle class=\"point\" r=\"2.5\" fill=\"#1565c0\" cx=\"").Append(X(p.Recall)).Append("\" cy=\"").Append(Y(p.Precision)).Append("\"/>");
            }
            if (d.Threshold is { } t)
            {
                var at = points.Where(p => p.Threshold >= t).DefaultIfEmpty(points[0]).Last();
                svg.Append("<circle id=\"chosen-threshold\" class=\"chosen\" r=\"6\" cx=\"").Append(X(at.Recall)).Append("\" cy=\"").Append(Y(at.Precision)).Append("\"><title>threshold ")
                    .Append(F(t)).Append("</title></circle><text x=\"").Append(X(at.Recall) - 8).Append("\" y=\"").Append(Y(at.Precision) + 18)
                    .Append("\" text-anchor=\"end\">threshold ").Append(F(t)).Append("</text>");
            }
        }
        else
        {
            svg.Append("<text x=\"").Append(Width / 2).Append("\" y=\"").Append(Height / 2).Append("\" text-anchor=\"middle\">no labelled positive to draw a curve from</text>");
        }
        svg.Append("</svg>");
        return $"<figure>{svg}<figcaption>Precision against recall as the threshold goes down, on {E(d.CurveSource)}. The dot is the classifier's threshold.</figcaption></figure>\n";
    }

    private static string FlagRate(CorpusScanResult corpus, double? threshold)
    {
        var above = 0L;
        var rates = new List<(double T, double Rate)>();
        for (var bin = 99; bin >= 0; bin--)
        {
            above += corpus.ScoreHistogram[bin];
            rates.Add((bin / 100.0, above / (double)Math.Max(1, corpus.Total)));
        }
        var top = Math.Max(0.001, rates.Where(r => r.T >= 0.01).Max(r => r.Rate) * 1.1);
        var svg = Frame("flag-rate", "Threshold", "Share of corpus flagged", top);
        svg.Append("<path class=\"rate\" d=\"")
            .Append(string.Join(" ", rates.Where(r => r.T >= 0.01).OrderBy(r => r.T).Select((r, i) => (i == 0 ? "M" : "L") + X(r.T) + "," + Y(r.Rate / top))))
            .Append("\"/>");
        if (threshold is { } t)
        {
            svg.Append("<line class=\"chosen\" stroke=\"#e65100\" x1=\"").Append(X(t)).Append("\" x2=\"").Append(X(t)).Append("\" y1=\"").Append(Y(0)).Append("\" y2=\"").Append(Y(1)).Append("\"/>");
        }
        svg.Append("</svg>");
        return $"<figure>{svg}<figcaption>The share of the {corpus.Total:N0} corpus passages ({corpus.Flagged:N0} flagged, {corpus.FlagRate:P2}) whose score reaches each threshold; the line is the classifier's threshold.</figcaption></figure>\n";
    }

    /// <summary>An SVG with axes from 0 to 1 (x) and 0 to <paramref name="yMax"/> (y; shown as percentages when given).</summary>
    private static StringBuilder Frame(string id, string xLabel, string yLabel, double? yMax = null)
    {
        var svg = new StringBuilder();
        svg.Append("<svg id=\"").Append(id).Append("\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").Append(Width).Append("\" height=\"").Append(Height)
            .Append("\" viewBox=\"0 0 ").Append(Width).Append(' ').Append(Height).Append("\" role=\"img\">")
            .Append("<line class=\"axis\" x1=\"").Append(Margin).Append("\" y1=\"").Append(Y(0)).Append("\" x2=\"").Append(Width - 10).Append("\" y2=\"").Append(Y(0)).Append("\"/>")
            .Append("<line class=\"axis\" x1=\"").Append(Margin).Append("\" y1=\"").Append(Y(0)).Append("\" x2=\"").Append(Margin).Append("\" y2=\"").Append(Margin - 20).Append("\"/>");
        foreach (var v in new[] { 0, 0.25, 0.5, 0.75, 1 })
        {
            svg.Append("<text x=\"").Append(X(v)).Append("\" y=\"").Append(Y(0) + 14).Append("\" text-anchor=\"middle\">").Append(F(v)).Append("</text>")
                .Append("<text x=\"").Append(Margin - 4).Append("\" y=\"").Append(Y(v) + 4).Append("\" text-anchor=\"end\">")
                .Append(yMax is { } m ? (v * m).ToString("0.#%", CultureInfo.InvariantCulture) : F(v)).Append("</text>");
        }
        svg.Append("<text x=\"").Append((Width + Margin) / 2).Append("\" y=\"").Append(Height - 4).Append("\" text-anchor=\"middle\">").Append(xLabel).Append("</text>")
            .Append("<text transform=\"translate(12,").Append(Height / 2).Append(") rotate(-90)\" text-anchor=\"middle\">").Append(yLabel).Append("</text>");
        return svg;
    }

    private static int X(double v) => Margin + (int)Math.Round(Math.Clamp(v, 0, 1) * (Width - Margin - 10));

    private static int Y(double v) => Height - Margin + 10 - (int)Math.Round(Math.Clamp(v, 0, 1) * (Height - 2 * Margin));

    private static string Highlighted(ReportExample ex)
    {
        var text = ex.Text;
        var sb = new StringBuilder();
        var at = 0;
        foreach (var s in ex.Spans.OrderBy(s => s.Start))
        {
            var start = Text.CodePoints.ToUtf16(text, Math.Clamp(s.Start, 0, Text.CodePoints.Length(text)));
            var end = Text.CodePoints.ToUtf16(text, Math.Clamp(s.End, 0, Text.CodePoints.Length(text)));
            if (start < at || end <= start) continue;
            sb.Append(E(text[at..start])).Append("<mark title=\"").Append(s.Probability is { } p ? "probability " + F(p) : "match").Append("\">")
                .Append(E(text[start..end])).Append("</mark>");
            at = end;
        }
        return sb.Append(E(text[at..])).ToString();
    }

    private static string Interval(double value, double? low, double? high) =>
        Num(value) + (low is { } l && high is { } h ? $" <span class=\"meta\">[{F(l)}, {F(h)}]</span>" : "");

    private static string Num(double v) => double.IsNaN(v) ? "" : F(v);

    private static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
