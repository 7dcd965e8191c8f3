using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Concepts;

/// <summary>A passage of text with the spans that label it. A passage with no spans is a negative example.</summary>
public sealed class LabelledPassage
{
    public LabelledPassage(string text, IReadOnlyList<Span>? spans = null, string? id = null,
        IDictionary<string, object?>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        Text = text;
        Spans = ValueList.Of(spans ?? []);
        Id = id ?? Identifier.FromText(text);
        Metadata = metadata ?? new Dictionary<string, object?>(StringComparer.Ordinal);
        if (Spans.Count > 0)
        {
            var length = CodePoints.Length(text);
            foreach (var span in Spans)
            {
                if (span.EndIndex > length)
                {
                    throw new KgException("InvalidPassage", KgErrorKind.InvalidData,
                        $"Passage '{Id}' has a span ending at {span.EndIndex}, beyond its text ({length} characters).", Id);
                }
            }
        }
    }

    /// <summary>A passage of unlabelled text, with the original's default ID <c>generate(text)</c>. PowerShell uses
    /// this to turn piped strings into passages.</summary>
    public LabelledPassage(string text) : this(text, null)
    {
    }

    public string Id { get; }
    public string Text { get; }
    public IReadOnlyList<Span> Spans { get; }
    public IDictionary<string, object?> Metadata { get; }

    /// <summary>True when the passage has at least one span (of any concept).</summary>
    public bool IsPositive => Spans.Count > 0;

    public IReadOnlyCollection<string> Labellers => Spans.SelectMany(s => s.Labellers).ToHashSet(StringComparer.Ordinal);

    /// <summary>The same passage (ID, text, metadata) with other spans.</summary>
    public LabelledPassage WithSpans(IReadOnlyList<Span> spans) => new(Text, spans, Id, Metadata);

    /// <summary>The gold standard the original evaluated against: every annotator's spans pooled, each greedy group of
    /// overlapping spans replaced by its union, labelled "gold standard".</summary>
    public LabelledPassage ToGoldStandard(string timestamp)
    {
        var merged = Span.GroupOverlapping(Spans)
            .Select(g => Span.Union(g).WithLabellers(["gold standard"], [timestamp]))
            .ToArray();
        return WithSpans(merged);
    }

    /// <summary>Groups passages by ID, concatenating their spans and keeping the first passage's text and metadata
    /// (how annotation exports arrive: one passage per annotator).</summary>
    public static IReadOnlyList<LabelledPassage> ConsolidateById(IEnumerable<LabelledPassage> passages)
    {
        var order = new List<string>();
        var byId = new Dictionary<string, (LabelledPassage First, List<Span> Spans)>(StringComparer.Ordinal);
        foreach (var p in passages)
        {
            if (byId.TryGetValue(p.Id, out var entry))
            {
                entry.Spans.AddRange(p.Spans);
            }
            else
            {
                byId[p.Id] = (p, [.. p.Spans]);
                order.Add(p.Id);
            }
        }
        return order.Select(id => byId[id].First.WithSpans(byId[id].Spans)).ToArray();
    }

    public override string ToString() => $"{Id}: {Spans.Count} span(s)";
}
