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
    public IReadOnlyList<string> AlternativeLabels { get; private init; }
    public IReadOnlyList<string> NegativeLabels { get; private init; }
    public string? Description { get; private init; }
    public string? Definition { get; private init; }
    public string? WikibaseId { get; }
    public long? WikibaseRevision { get; }
    public IReadOnlyList<string> SubconceptOf { get; private init; }
    public IReadOnlyList<string> HasSubconcept { get; private init; }
    public IReadOnlyList<string> RelatedConcepts { get; private init; }
    public IReadOnlyList<string> NegativeConcepts { get; private init; }
    public IReadOnlyList<ClassifierIdClaim> ClassifierIds { get; private init; }
    public IReadOnlyList<string>? RecursiveSubconceptOf { get; }
    public IReadOnlyList<string>? RecursiveHasSubconcept { get; private init; }
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

    /// <summary>The same concept with other labelled passages. The labels are copied as they are (not validated again),
    /// so a concept built by <see cref="Unvalidated"/> keeps its ID.</summary>
    public Concept WithLabelledPassages(IEnumerable<LabelledPassage> passages) => new(this, passages);

    private Concept(Concept source, IEnumerable<LabelledPassage> passages)
    {
        PreferredLabel = source.PreferredLabel;
        AlternativeLabels = source.AlternativeLabels;
        NegativeLabels = source.NegativeLabels;
        Description = source.Description;
        Definition = source.Definition;
        WikibaseId = source.WikibaseId;
        WikibaseRevision = source.WikibaseRevision;
        SubconceptOf = source.SubconceptOf;
        HasSubconcept = source.HasSubconcept;
        RelatedConcepts = source.RelatedConcepts;
        NegativeConcepts = source.NegativeConcepts;
        ClassifierIds = source.ClassifierIds;
        RecursiveSubconceptOf = source.RecursiveSubconceptOf;
        RecursiveHasSubconcept = source.RecursiveHasSubconcept;
        HadDuplicateNegativeLabels = source.HadDuplicateNegativeLabels;
        LabelledPassages = ValueList.Of(passages);
    }

    /// <summary>A concept whose label lists are kept exactly as given, as the original's Wikibase loader builds them by
    /// attribute assignment after validation (negative labels from P9 unstripped, subconcept labels with the preferred
    /// label among the alternatives). Only the preferred label and the Wikibase ID are checked. The ID is computed from
    /// these lists, so it equals the original's for the same Wikibase content; reading the concept back from its JSON
    /// validates the lists and may give another ID, exactly as in the original.</summary>
    public static Concept Unvalidated(
        string preferredLabel,
        IEnumerable<string> alternativeLabels,
        IEnumerable<string> negativeLabels,
        string? description,
        string? definition,
        string wikibaseId,
        long? wikibaseRevision,
        IEnumerable<string> subconceptOf,
        IEnumerable<string> hasSubconcept,
        IEnumerable<string> relatedConcepts,
        IEnumerable<string> negativeConcepts,
        IEnumerable<ClassifierIdClaim> classifierIds,
        IEnumerable<string>? recursiveHasSubconcept = null)
    {
        var validated = new Concept(preferredLabel, wikibaseId: wikibaseId, wikibaseRevision: wikibaseRevision);
        return new Concept(validated, [])
        {
            AlternativeLabels = ValueList.Of(alternativeLabels.ToArray()),
            NegativeLabels = ValueList.Of(negativeLabels.ToArray()),
            Description = description,
            Definition = definition,
            SubconceptOf = ValueList.Of(subconceptOf.ToArray()),
            HasSubconcept = ValueList.Of(hasSubconcept.ToArray()),
            RelatedConcepts = ValueList.Of(relatedConcepts.ToArray()),
            NegativeConcepts = ValueList.Of(negativeConcepts.ToArray()),
            ClassifierIds = ValueList.Of(classifierIds.ToArray()),
            RecursiveHasSubconcept = recursiveHasSubconcept is null ? null : ValueList.Of(recursiveHasSubconcept.ToArray()),
        };
    }

    private string ComputeId()
    {
        var negatives = NegativeLabels.ToList();
        negatives.Sort(CodePoints.Comparer);
        // Sorted here too: the lists of an unvalidated concept are in the order they were assembled.
        var alternatives = AlternativeLabels.ToList();
        alternatives.Sort(CodePoints.Comparer);
        var args = new List<object?> { WikibaseId, PreferredLabel, Description, Definition };
        args.AddRange(alternatives);
        args.AddRange(negatives);
        return Identifier.Generate([.. args]);
    }

    public override string ToString() => $"{PreferredLabel} ({WikibaseId})";
}
