using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Concepts;

/// <summary>The rank of a classifier-ID statement on a concept (Wikibase property P20).</summary>
public enum StatementRank
{
    Preferred,
    Normal,
    Deprecated,
}

/// <summary>A classifier ID claimed on a concept, with its rank.</summary>
public sealed record ClassifierIdClaim(StatementRank Rank, string ClassifierId);

/// <summary>A concept of the knowledge graph, with its labels and human-labelled passages. Construction applies the
/// original's validation, in its order: labels are stripped; a negative label that is also an alternative label is an
/// error; negatives are de-duplicated; the preferred label is removed from the alternatives once; the alternatives are
/// de-duplicated and sorted by code point.</summary>
public sealed class Concept
{
    private string? _id;

    public Concept(
        string preferredLabel,
        IEnumerable<string>? alternativeLabels = null,
        IEnumerable<string>? negativeLabels = null,
        string? description = null,
        string? definition = null,
        string? wikibaseId = null,
        long? wikibaseRevision = null,
        IEnumerable<string>? subconceptOf = null,
        IEnumerable<string>? hasSubconcept = null,
        IEnumerable<string>? relatedConcepts = null,
        IEnumerable<string>? negativeConcepts = null,
        IEnumerable<ClassifierIdClaim>? classifierIds = null,
        IEnumerable<string>? recursiveSubconceptOf = null,
        IEnumerable<string>? recursiveHasSubconcept = null,
        IEnumerable<LabelledPassage>? labelledPassages = null)
    {
        ArgumentNullException.ThrowIfNull(preferredLabel);
        var preferred = CodePoints.PythonStrip(preferredLabel);
        if (preferred.Length == 0)
        {
            throw new KgException("InvalidConcept", KgErrorKind.InvalidData,
                $"A concept{(wikibaseId is null ? "" : $" ({wikibaseId})")} needs a non-empty preferred label.", wikibaseId);
        }
        if (wikibaseId is not null)
        {
            Identifiers.WikibaseId.Parse(wikibaseId);
        }
        var alternatives = (alternativeLabels ?? []).Select(CodePoints.PythonStrip).ToList();
        var negatives = (negativeLabels ?? []).Select(CodePoints.PythonStrip).ToList();
        var clash = negatives.FirstOrDefault(n => alternatives.Contains(n, StringComparer.Ordinal));
        if (clash is not null)
        {
            throw new KgException("InvalidConcept", KgErrorKind.InvalidData,
                $"Concept {wikibaseId ?? preferred}: '{clash}' is both an alternative label and a negative label.", clash);
        }
        var distinctNegatives = new List<string>();
        foreach (var n in negatives)
        {
            if (!distinctNegatives.Contains(n, StringComparer.Ordinal))
            {
                distinctNegatives.Add(n);
            }
        }
        HadDuplicateNegativeLabels = distinctNegatives.Count != negatives.Count;
        var preferredIndex = alternatives.FindIndex(a => string.Equals(a, preferred, StringComparison.Ordinal));
        if (preferredIndex >= 0)
        {
            alternatives.RemoveAt(preferredIndex);
        }
        var sorted = alternatives.Distinct(StringComparer.Ordinal).ToList();
        sorted.Sort(CodePoints.Comparer);

        PreferredLabel = preferred;
        AlternativeLabels = ValueList.Of(sorted);
        NegativeLabels = ValueList.Of(distinctNegatives);
        Description = description;
        Definition = definition;
        WikibaseId = wikibaseId;
        WikibaseRevision = wikibaseRevision;
        SubconceptOf = ValueList.Of(subconceptOf);
        HasSubconcept = ValueList.Of(hasSubconcept);
        RelatedConcepts = ValueList.Of(relatedConcepts);
        NegativeConcepts = ValueList.Of(negativeConcepts);
        ClassifierIds = ValueList.Of(classifierIds);
        RecursiveSubconceptOf = recursiveSubconceptOf is null ? null : ValueList.Of(recursiveSubconceptOf);
        RecursiveHasSubconcept = recursiveHasSubconcept is null ? null : ValueList.Of(recursiveHasSubconcept);
        LabelledPassages = ValueList.Of(labelledPassages);
    }

    public string PreferredLabel { get; }
    public IReadOnlyList<string> AlternativeLabels { get; }
    public IReadOnlyList<string> NegativeLabels { get; }
    public string? Description { get; }
    public string? Definition { get; }
    public string? WikibaseId { get; }
    public long? WikibaseRevision { get; }
    public IReadOnlyList<string> SubconceptOf { get; }
    public IReadOnlyList<string> HasSubconcept { get; }
    public IReadOnlyList<string> RelatedConcepts { get; }
    public IReadOnlyList<string> NegativeConcepts { get; }
    public IReadOnlyList<ClassifierIdClaim> ClassifierIds { get; }
    public IReadOnlyList<string>? RecursiveSubconceptOf { get; }
    public IReadOnlyList<string>? RecursiveHasSubconcept { get; }
    public IReadOnlyList<LabelledPassage> LabelledPassages { get; }

    /// <summary>True when the input listed a negative label more than once (the original warned).</summary>
    public bool HadDuplicateNegativeLabels { get; }

    /// <summary>The concept ID: <c>generate(wikibase_id, preferred_label, description, definition,
    /// *sorted(alternative_labels), *sorted(negative_labels))</c>.</summary>
    public string Id => _id ??= ComputeId();

    /// <summary>The preferred label and the alternative labels, each once.</summary>
    public IReadOnlyList<string> AllLabels =>
        ValueList.Of(new[] { PreferredLabel }.Concat(AlternativeLabels).Distinct(StringComparer.Ordinal));

    public int PositivePassageCount => LabelledPassages.Count(p => p.IsPositive);

    public Concept WithLabelledPassages(IEnumerable<LabelledPassage> passages) => new(
        PreferredLabel, AlternativeLabels, NegativeLabels, Description, Definition, WikibaseId, WikibaseRevision,
        SubconceptOf, HasSubconcept, RelatedConcepts, NegativeConcepts, ClassifierIds, RecursiveSubconceptOf,
        RecursiveHasSubconcept, passages);

    private string ComputeId()
    {
        var negatives = NegativeLabels.ToList();
        negatives.Sort(CodePoints.Comparer);
        var args = new List<object?> { WikibaseId, PreferredLabel, Description, Definition };
        args.AddRange(AlternativeLabels);
        args.AddRange(negatives);
        return Identifier.Generate([.. args]);
    }

    public override string ToString() => $"{PreferredLabel} ({WikibaseId})";
}
