using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Corpus;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.Evaluation;

/// <summary>A line of a review sample: a corpus passage, what the classifier said of it, and the stratum it was drawn
/// from. A person labels it by setting <see cref="Label"/> to 1 (it mentions the concept) or 0.</summary>
public sealed record ReviewLine
{
    public required string Id { get; init; }
    public required string DocumentId { get; init; }
    public required string Text { get; init; }
    /// <summary>"flagged" or "unflagged".</summary>
    public required string Stratum { get; init; }
    /// <summary>How many corpus passages the stratum has, and how many of them were drawn.</summary>
    public required long StratumSize { get; init; }
    public required int StratumSampleSize { get; init; }
    public required bool Prediction { get; init; }
    public required float Probability { get; init; }
    public IReadOnlyList<SpanPrediction> Spans { get; init; } = [];
    /// <summary>1 or 0, set by the person who reviews the line; null until then.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public int? Label { get; init; }
    public string? WikibaseId { get; init; }
    public required string ClassifierId { get; init; }
    public required string CorpusSha256 { get; init; }
}

/// <summary>What a scan of a corpus found: how much the classifier flags, a stratified sample for review, the score
/// distribution, and which reviewed lines were seen in the corpus.</summary>
public sealed record CorpusScanResult
{
    public required long Total { get; init; }
    public required long Flagged { get; init; }
    public double FlagRate => Total == 0 ? 0 : Flagged / (double)Total;
    public required IReadOnlyList<ReviewLine> Sample { get; init; }
    /// <summary>How many passages scored in each hundredth of [0, 1] (the last bin holds score 1).</summary>
    public required long[] ScoreHistogram { get; init; }
    public required string CorpusSha256 { get; init; }
    public required IReadOnlyList<CorpusFile> Files { get; init; }
    public required long MalformedLines { get; init; }
    public IReadOnlyList<string> FirstProblems { get; init; } = [];
    /// <summary>Which of the texts looked for the corpus holds.</summary>
    public IReadOnlySet<string> Found { get; init; } = new HashSet<string>();
}

/// <summary>An estimate with a 95% interval.</summary>
public sealed record Estimate(double Value, double Low, double High)
{
    public override string ToString() => FormattableString.Invariant($"{Value:0.000} [{Low:0.000}, {High:0.000}]");
}

/// <summary>Precision and recall on a corpus, estimated from a reviewed stratified sample.</summary>
public sealed record ReviewEstimate
{
    public required int Reviewed { get; init; }
    public required Estimate Precision { get; init; }
    public required Estimate Recall { get; init; }
    public double F1 => Precision.Value + Recall.Value == 0 ? 0 : 2 * Precision.Value * Recall.Value / (Precision.Value + Recall.Value);
    /// <summary>Estimated corpus counts: true positives, false positives, false negatives.</summary>
    public required double TruePositives { get; init; }
    public required double FalsePositives { get; init; }
    public required double FalseNegatives { get; init; }
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>Runs a classifier over a corpus (streaming, in batches) and draws a review sample stratified by its
/// prediction; estimates precision and recall on the corpus from a reviewed sample, each labelled line weighted by its
/// stratum (stratum size / lines reviewed in it), with intervals from the linearised variance of the ratio (with the
/// finite-population correction) turned into a Wilson interval at the design's effective sample size.</summary>
public static class CorpusEvaluation
{
    public const int DefaultSampleSize = 200;
    private const int Batch = 512;

    /// <param name="lookFor">Texts to look for in the corpus (the lines of a reviewed sample); the result says which were found.</param>
    public static CorpusScanResult Scan(IClassifier classifier, IReadOnlyList<string> paths, int sampleSize, int seed,
        IReadOnlyCollection<string>? lookFor, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        var wanted = lookFor?.ToHashSet(StringComparer.Ordinal) ?? [];
        var found = new HashSet<string>(StringComparer.Ordinal);
        var files = CorpusReader.ResolveFiles(paths);
        var reader = new CorpusReader();
        var flaggedSample = new BottomK<ReviewLine>(sampleSize);
        var unflaggedSample = new BottomK<ReviewLine>(sampleSize);
        var histogram = new long[100];
        long total = 0, flagged = 0;
        var batch = new List<CorpusPassage>(Batch);
        var lines = new List<ReviewLine>();
        void Flush()
        {
            if (batch.Count == 0) return;
            var (spans, scores) = ClassifierScores.Score(classifier, batch.Select(p => p.Text).ToArray());
            for (var i = 0; i < batch.Count; i++)
            {
                var hit = spans[i].Count > 0;
                total++;
                if (hit) flagged++;
                histogram[Math.Clamp((int)(scores[i] * 100), 0, 99)]++;
                var line = new ReviewLine
                {
                    Id = batch[i].Id, DocumentId = batch[i].DocumentId, Text = batch[i].Text,
                    Stratum = hit ? "flagged" : "unflagged", StratumSize = 0, StratumSampleSize = 0,
                    Prediction = hit, Probability = scores[i],
                    Spans = spans[i].Select(s => new SpanPrediction(s.StartIndex, s.EndIndex, s.PredictionProbability)).ToArray(),
                    WikibaseId = classifier.Concept.WikibaseId, ClassifierId = classifier.Id, CorpusSha256 = "",
                };
                (hit ? flaggedSample : unflaggedSample).Offer(CorpusSampler.Key(batch[i].Text, seed), line);
            }
            progress?.Report(WorkProgress.Step($"Classifying the corpus: {total:N0} passages, {flagged:N0} flagged", total));
            batch.Clear();
        }
        foreach (var passage in reader.Read(files, cancellationToken))
        {
            if (wanted.Contains(passage.Text)) found.Add(passage.Text);
            batch.Add(passage);
            if (batch.Count == Batch) Flush();
        }
        Flush();
        if (total == 0)
        {
            throw new KgException("EmptyCorpus", KgErrorKind.InvalidData,
                $"The corpus ({string.Join(", ", paths)}) has no passage with text. It needs unlabelled passages: {CorpusReader.Accepted}.", string.Join(", ", paths));
        }
        var corpusSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", reader.Files.Select(f => f.Sha256)))));
        // Allocation: half the sample to each stratum; what one stratum cannot fill goes to the other.
        var unflaggedCount = total - flagged;
        var nFlagged = (int)Math.Min(flagged, (sampleSize + 1) / 2);
        var nUnflagged = (int)Math.Min(unflaggedCount, sampleSize - nFlagged);
        nFlagged = (int)Math.Min(flagged, sampleSize - nUnflagged);
        var sample = flaggedSample.Smallest(nFlagged).Select(l => l with { StratumSize = flagged, StratumSampleSize = nFlagged, CorpusSha256 = corpusSha })
            .Concat(unflaggedSample.Smallest(nUnflagged).Select(l => l with { StratumSize = unflaggedCount, StratumSampleSize = nUnflagged, CorpusSha256 = corpusSha }))
            .ToArray();
        return new CorpusScanResult
        {
            Total = total,
            Flagged = flagged,
            Sample = sample,
            ScoreHistogram = histogram,
            CorpusSha256 = corpusSha,
            Files = reader.Files,
            MalformedLines = reader.ProblemCount,
            FirstProblems = reader.Problems.Select(p => p.ToString()).ToArray(),
            Found = found,
        };
    }

    // ------------------------------------------------------------------ review files

    public static string ToJsonLines(IEnumerable<ReviewLine> lines)
    {
        var sb = new StringBuilder();
        foreach (var line in lines)
        {
            sb.Append(JsonSerializer.Serialize(line, EvaluationJsonContext.Default.ReviewLine)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Reads a reviewed sample. Every line must be a review line with a label of 1 or 0: an error names the
    /// first line that is not.</summary>
    public static IReadOnlyList<ReviewLine> ReadReviewed(string path)
    {
        var lines = new List<ReviewLine>();
        var number = 0;
        foreach (var text in Text.FileText.ReadAll(path, "review file").Split('\n'))
        {
            number++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            ReviewLine? line;
            try
            {
                line = JsonSerializer.Deserialize(text, EvaluationJsonContext.Default.ReviewLine);
            }
            catch (JsonException e)
            {
                throw new KgException("InvalidReviewFile", KgErrorKind.InvalidData,
                    $"{path}, line {number}, is not a review line ({e.Message}). Review files come from Test-KgClassifier -ReviewSamplePath.", path, e);
            }
            if (line is null || string.IsNullOrEmpty(line.Text) || line.StratumSize <= 0 || line.StratumSampleSize <= 0)
            {
                throw new KgException("InvalidReviewFile", KgErrorKind.InvalidData,
                    $"{path}, line {number}, is not a review line: it needs text, stratum, stratum_size and stratum_sample_size. Review files come from Test-KgClassifier -ReviewSamplePath.", path);
            }
            if (line.Label is not (0 or 1))
            {
                throw new KgException("UnlabelledReviewLine", KgErrorKind.InvalidData,
                    $"{path}, line {number} ({line.Id}), has {(line.Label is null ? "no label" : $"the label {line.Label}")}: set \"label\" to 1 when the passage mentions the concept, 0 when it does not.", path);
            }
            lines.Add(line);
        }
        if (lines.Count == 0)
        {
            throw new KgException("InvalidReviewFile", KgErrorKind.InvalidData, $"The review file {path} has no labelled line.", path);
        }
        return lines;
    }

    /// <summary>Labelled review lines as labelled passages for training: a 1 keeps the classifier's spans when it had
    /// some (else one span over the whole passage), a 0 has none.</summary>
    public static IReadOnlyList<LabelledPassage> AsTrainingData(IReadOnlyList<ReviewLine> lines) => lines.Select(l =>
    {
        var metadata = new Dictionary<string, object?> { ["document_id"] = l.DocumentId, ["label_source"] = "review" };
        if (l.Label != 1)
        {
            return new LabelledPassage(l.Text, [], l.Id, metadata);
        }
        var spans = l.Spans.Count > 0
            ? l.Spans.Select(s => new Span(l.Text, s.Start, s.End, l.WikibaseId, ["review"], [Timestamp.Now()])).ToArray()
            : [new Span(l.Text, 0, Text.CodePoints.Length(l.Text), l.WikibaseId, ["review"], [Timestamp.Now()])];
        return new LabelledPassage(l.Text, spans, l.Id, metadata);
    }).ToArray();

    // ------------------------------------------------------------------ estimates

    /// <summary>Estimates precision and recall of <paramref name="flagged"/> (the classifier's prediction for each line,
    /// in order) on the corpus the lines were drawn from.</summary>
    public static ReviewEstimate Estimate(IReadOnlyList<ReviewLine> lines, IReadOnlyList<bool> flagged)
    {
        var strata = lines.Select((l, i) => (Line: l, Flagged: flagged[i])).GroupBy(x => x.Line.Stratum).Select(g =>
        {
            var size = g.First().Line.StratumSize;
            return new Stratum(size, g.Select(x => (Label: x.Line.Label == 1, x.Flagged)).ToArray());
        }).ToArray();
        var precision = Ratio(strata, u => u.Flagged && u.Label, u => u.Flagged);
        var recall = Ratio(strata, u => u.Flagged && u.Label, u => u.Label);
        var notes = new List<string>();
        if (strata.Sum(s => s.Units.Count(u => u.Label)) == 0)
        {
            notes.Add("no reviewed line mentions the concept: recall cannot be estimated");
        }
        if (lines.Select(l => l.ClassifierId).Distinct().Count() == 1 && lines.Select((l, i) => l.Prediction != flagged[i]).Any(d => d))
        {
            notes.Add($"the sample was drawn for classifier {lines[0].ClassifierId}; this classifier predicts differently on some lines, so the estimate is unbiased but wider");
        }
        return new ReviewEstimate
        {
            Reviewed = lines.Count,
            Precision = precision.Estimate,
            Recall = recall.Estimate,
            TruePositives = Total(strata, u => u.Flagged && u.Label),
            FalsePositives = Total(strata, u => u.Flagged && !u.Label),
            FalseNegatives = Total(strata, u => !u.Flagged && u.Label),
            Notes = notes,
        };
    }

    private sealed record Stratum(long Size, (bool Label, bool Flagged)[] Units)
    {
        public double Weight => Size / (double)Units.Length;
        public double SampledFraction => Math.Min(1, Units.Length / (double)Size);
    }

    private static double Total(IEnumerable<Stratum> strata, Func<(bool Label, bool Flagged), bool> f) =>
        strata.Sum(s => s.Weight * s.Units.Count(f));

    /// <summary>R = Σ w·y / Σ w·x over the strata, with a 95% interval.</summary>
    private static (Estimate Estimate, double Variance) Ratio(IReadOnlyList<Stratum> strata, Func<(bool Label, bool Flagged), bool> numerator,
        Func<(bool Label, bool Flagged), bool> denominator)
    {
        var y = Total(strata, numerator);
        var x = Total(strata, denominator);
        if (x <= 0)
        {
            return (new Estimate(double.NaN, 0, 1), double.NaN);
        }
        var r = Math.Clamp(y / x, 0, 1);
        // Linearised variance: d = y - r·x per unit; Var(R) = Σ_h N_h² (1 - f_h) s²_h(d) / n_h / X².
        var variance = 0.0;
        double effective = 0;
        var exact = true;
        foreach (var s in strata)
        {
            var n = s.Units.Length;
            var d = s.Units.Select(u => (numerator(u) ? 1.0 : 0) - r * (denominator(u) ? 1 : 0)).ToArray();
            var contributing = s.Units.Count(denominator);
            if (s.SampledFraction < 1 && contributing > 0)
            {
                exact = false;
                effective += contributing / (1 - s.SampledFraction);
            }
            if (n > 1)
            {
                var mean = d.Average();
                var s2 = d.Sum(v => (v - mean) * (v - mean)) / (n - 1);
                variance += (double)s.Size * s.Size * (1 - s.SampledFraction) * s2 / n;
            }
        }
        variance /= x * x;
        if (exact)
        {
            return (new Estimate(r, r, r), 0);
        }
        // The Wilson interval at the effective sample size: r(1-r)/Var when the sample varies, else the design-weighted
        // count of reviewed lines that entered the ratio (so that 40 of 40 is not certainty).
        var nEffective = variance > 0 && r is > 0 and < 1 ? Math.Max(1, r * (1 - r) / variance) : Math.Max(1, effective);
        var (low, high) = Wilson(r, nEffective);
        return (new Estimate(r, Math.Min(low, r), Math.Max(high, r)), variance);
    }

    internal static (double Low, double High) Wilson(double p, double n, double z = 1.959964)
    {
        var z2 = z * z;
        var centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        var half = z / (1 + z2 / n) * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ReviewLine))]
internal sealed partial class EvaluationJsonContext : JsonSerializerContext;
