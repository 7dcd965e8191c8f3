using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Concepts;

/// <summary>A labelled stretch <c>[StartIndex, EndIndex)</c> of a passage, in code points. <see cref="Text"/> is the
/// whole passage, as in the original. Two spans are equal when their <see cref="Id"/>s are.</summary>
public sealed class Span : IEquatable<Span>
{
    private string? _id;

    public Span(string text, int startIndex, int endIndex, string? conceptId = null,
        IReadOnlyList<string>? labellers = null, IReadOnlyList<string>? timestamps = null, double? predictionProbability = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (startIndex < 0)
        {
            throw new KgException("InvalidSpan", KgErrorKind.InvalidData, $"Span start index {startIndex} is negative.", startIndex);
        }
        if (endIndex <= startIndex)
        {
            throw new KgException("InvalidSpan", KgErrorKind.InvalidData,
                $"Span end index {endIndex} must be greater than its start index {startIndex}.", endIndex);
        }
        var length = CodePoints.Length(text);
        if (endIndex > length)
        {
            throw new KgException("InvalidSpan", KgErrorKind.InvalidData,
                $"Span end index {endIndex} is beyond the end of its text ({length} characters).", endIndex);
        }
        labellers ??= [];
        timestamps ??= [];
        if (timestamps.Count != 0 && timestamps.Count != labellers.Count)
        {
            throw new KgException("InvalidSpan", KgErrorKind.InvalidData,
                $"A span has {labellers.Count} labellers but {timestamps.Count} timestamps; there must be one timestamp per labeller, or none.");
        }
        if (predictionProbability is { } p && (double.IsNaN(p) || p < 0 || p > 1))
        {
            throw new KgException("InvalidSpan", KgErrorKind.InvalidData, $"Prediction probability {p} is not between 0 and 1.", p);
        }
        Text = text;
        StartIndex = startIndex;
        EndIndex = endIndex;
        ConceptId = conceptId;
        Labellers = ValueList.Of(labellers);
        Timestamps = ValueList.Of(timestamps);
        PredictionProbability = predictionProbability;
    }

    public string Text { get; }
    public int StartIndex { get; }
    public int EndIndex { get; }
    public double? PredictionProbability { get; }
    /// <summary>The Wikibase ID of the concept this span labels (the original's <c>concept_id</c> field).</summary>
    public string? ConceptId { get; }
    public IReadOnlyList<string> Labellers { get; }
    public IReadOnlyList<string> Timestamps { get; }

    /// <summary><c>generate(text, start_index, end_index, concept_id)</c>; labellers do not affect it.</summary>
    public string Id => _id ??= Identifier.OfSpan(Text, StartIndex, EndIndex, ConceptId);

    public string LabelledText => CodePoints.Substring(Text, StartIndex, EndIndex);

    public int Length => EndIndex - StartIndex;

    /// <summary>Intersection over union of the two index ranges; 0 when they do not share a character.</summary>
    public static double Jaccard(Span a, Span b)
    {
        if (!string.Equals(a.Text, b.Text, StringComparison.Ordinal))
        {
            throw new ArgumentException("Cannot compare spans of different texts.");
        }
        return Jaccard(a.StartIndex, a.EndIndex, b.StartIndex, b.EndIndex);
    }

    public static double Jaccard(int aStart, int aEnd, int bStart, int bEnd)
    {
        var intersection = Math.Max(0, Math.Min(aEnd, bEnd) - Math.Max(aStart, bStart));
        if (intersection == 0)
        {
            return 0;
        }
        return (double)intersection / (Math.Max(aEnd, bEnd) - Math.Min(aStart, bStart));
    }

    /// <summary>True when the spans share at least one character (adjacent spans do not overlap).</summary>
    public bool Overlaps(Span other) => Jaccard(this, other) > 0;

    /// <summary>The smallest span covering all <paramref name="spans"/>: same text and concept required; labellers merged in
    /// order of first appearance, each keeping its first timestamp; timestamps dropped when any labeller lacks one.
    /// A single span is returned as it is.</summary>
    public static Span Union(IReadOnlyList<Span> spans) => Combine(spans, union: true);

    /// <summary>The stretch all <paramref name="spans"/> share, with labellers merged as in <see cref="Union"/>.</summary>
    public static Span Intersection(IReadOnlyList<Span> spans) => Combine(spans, union: false);

    private static Span Combine(IReadOnlyList<Span> spans, bool union)
    {
        if (spans.Count == 0)
        {
            throw new ArgumentException("Cannot combine an empty list of spans.", nameof(spans));
        }
        if (spans.Count == 1)
        {
            return spans[0];
        }
        var first = spans[0];
        var start = first.StartIndex;
        var end = first.EndIndex;
        var labellers = new List<string>();
        var stamps = new Dictionary<string, string?>(StringComparer.Ordinal);
        var allStamped = true;
        foreach (var s in spans)
        {
            if (!string.Equals(s.Text, first.Text, StringComparison.Ordinal))
            {
                throw new ArgumentException("Cannot combine spans of different texts.");
            }
            if (!string.Equals(s.ConceptId, first.ConceptId, StringComparison.Ordinal))
            {
                throw new ArgumentException("Cannot combine spans of different concepts.");
            }
            start = union ? Math.Min(start, s.StartIndex) : Math.Max(start, s.StartIndex);
            end = union ? Math.Max(end, s.EndIndex) : Math.Min(end, s.EndIndex);
            for (var i = 0; i < s.Labellers.Count; i++)
            {
                var labeller = s.Labellers[i];
                var stamp = s.Timestamps.Count > i ? s.Timestamps[i] : null;
                allStamped &= stamp is not null;
                if (stamps.TryAdd(labeller, stamp))
                {
                    labellers.Add(labeller);
                }
            }
        }
        if (end <= start)
        {
            throw new ArgumentException("The spans do not all overlap, so they have no intersection.");
        }
        var timestamps = allStamped ? labellers.Select(l => stamps[l]!).ToArray() : [];
        return new Span(first.Text, start, end, first.ConceptId, labellers, timestamps);
    }

    /// <summary>The original's greedy, non-transitive grouping: each span joins the first existing group that has a
    /// member with Jaccard &gt; <paramref name="threshold"/>, else starts a new group. Groups are never merged.</summary>
    public static List<List<Span>> GroupOverlapping(IEnumerable<Span> spans, double threshold = 0)
    {
        var groups = new List<List<Span>>();
        foreach (var span in spans)
        {
            List<Span>? target = null;
            foreach (var group in groups)
            {
                foreach (var member in group)
                {
                    if (Jaccard(member, span) > threshold)
                    {
                        target = group;
                        break;
                    }
                }
                if (target is not null)
                {
                    break;
                }
            }
            if (target is null)
            {
                groups.Add([span]);
            }
            else
            {
                target.Add(span);
            }
        }
        return groups;
    }

    /// <summary>The union of each group of <see cref="GroupOverlapping"/>, in group-creation order.</summary>
    public static List<Span> MergeOverlapping(IEnumerable<Span> spans, double threshold = 0) =>
        GroupOverlapping(spans, threshold).Select(g => Union(g)).ToList();

    /// <summary>A copy with other labellers/timestamps (used for the gold-standard merge).</summary>
    public Span WithLabellers(IReadOnlyList<string> labellers, IReadOnlyList<string> timestamps) =>
        new(Text, StartIndex, EndIndex, ConceptId, labellers, timestamps, PredictionProbability);

    public bool Equals(Span? other) => other is not null && string.Equals(Id, other.Id, StringComparison.Ordinal);
    public override bool Equals(object? obj) => Equals(obj as Span);
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Id);
    public override string ToString() => $"[{StartIndex}, {EndIndex}) \"{LabelledText}\"";
}
