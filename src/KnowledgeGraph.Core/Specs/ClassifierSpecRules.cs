using KnowledgeGraph.Identifiers;

namespace KnowledgeGraph.Specs;

public enum ViolationSeverity
{
    Error,
    Warning,
}

/// <summary>A rule a spec file breaks: which file, which entry (1-based position, line, IDs), which rule.</summary>
public sealed record SpecViolation(
    string File,
    int Entry,
    int? Line,
    string? WikibaseId,
    string? ClassifierId,
    string Rule,
    ViolationSeverity Severity,
    string Message)
{
    public override string ToString() => $"{File}:{Line?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}: {Severity} {Rule}: {Message}";
}

/// <summary>The rules of a v2 spec file, checked on every write (errors block the write) and reported by
/// <c>Test-KgInferenceSpec</c>. Reading stays lenient because real files break some of them.</summary>
public static class ClassifierSpecRules
{
    /// <summary>The canonical order: numeric Wikibase ID, then classifier ID, then registry version (numeric).</summary>
    public static IReadOnlyList<ClassifierSpec> Sort(IEnumerable<ClassifierSpec> specs) =>
        specs.OrderBy(s => s.WikibaseId, WikibaseId.NumericStringComparer)
            .ThenBy(s => s.ClassifierId, StringComparer.Ordinal)
            .ThenBy(s => ModelVersion.TryParse(s.RegistryVersion, out var v) ? v.Number : int.MaxValue)
            .ToArray();

    public static IReadOnlyList<SpecViolation> Check(IReadOnlyList<ClassifierSpec> specs, string file)
    {
        var violations = new List<SpecViolation>();
        void Add(int index, ClassifierSpec s, string rule, ViolationSeverity severity, string message) =>
            violations.Add(new SpecViolation(file, index + 1, s.Line, s.WikibaseId, s.ClassifierId, rule, severity, message));

        for (var i = 0; i < specs.Count; i++)
        {
            var s = specs[i];
            if (s.WikibaseId is null) Add(i, s, "MissingField", ViolationSeverity.Error, "The entry has no wikibase_id.");
            else if (!WikibaseId.IsValid(s.WikibaseId)) Add(i, s, "InvalidWikibaseId", ViolationSeverity.Error, $"'{s.WikibaseId}' is not a valid Wikibase ID (Q followed by a number, such as Q787).");
            if (s.ClassifierId is null) Add(i, s, "MissingField", ViolationSeverity.Error, "The entry has no classifier_id.");
            else if (!Identifier.IsValid(s.ClassifierId)) Add(i, s, "InvalidClassifierId", ViolationSeverity.Error, $"'{s.ClassifierId}' is not a valid classifier ID (8 characters from '{Identifier.Alphabet}').");
            if (s.ConceptId is not null && !Identifier.IsValid(s.ConceptId)) Add(i, s, "InvalidConceptId", ViolationSeverity.Error, $"'{s.ConceptId}' is not a valid concept ID.");
            if (s.RegistryVersion is null) Add(i, s, "MissingField", ViolationSeverity.Error, "The entry has no wandb_registry_version.");
            else if (!ModelVersion.TryParse(s.RegistryVersion, out _)) Add(i, s, "InvalidRegistryVersion", ViolationSeverity.Error, $"'{s.RegistryVersion}' is not a registry version ('v' and a number, such as v3; 'latest' is not allowed).");
            if (s.ClassifiersProfile is null) Add(i, s, "MissingProfile", ViolationSeverity.Warning, "The entry has no classifiers_profile; a promoted classifier has exactly one.");
            else if (!ClassifiersProfiles.IsValid(s.ClassifiersProfile)) Add(i, s, "UnknownProfile", ViolationSeverity.Error, $"'{s.ClassifiersProfile}' is not a classifiers profile ({string.Join(", ", ClassifiersProfiles.All)}).");
            if (s.DontRunOn is { } sources)
            {
                foreach (var source in sources.Where(x => !DontRunOnSources.IsValid(x)))
                {
                    Add(i, s, "UnknownSource", ViolationSeverity.Error, $"'{source}' in dont_run_on is not a document source ({string.Join(", ", DontRunOnSources.All)}).");
                }
                if (!sources.SequenceEqual(DontRunOnSources.Normalise(sources), StringComparer.Ordinal))
                {
                    Add(i, s, "DontRunOnOrder", ViolationSeverity.Warning, "dont_run_on is not sorted with each source once; it will be rewritten in order.");
                }
            }
        }

        // Each broken multiplicity or duplicate is reported once, naming a few of the entries involved: a file that
        // repeats one entry N times (cheap with a YAML alias) must not produce N reports of N entries each.
        foreach (var concept in specs.Select((s, i) => (s, i)).Where(x => x.s.WikibaseId is not null).GroupBy(x => x.s.WikibaseId, StringComparer.Ordinal))
        {
            foreach (var profile in ClassifiersProfiles.All)
            {
                var holders = concept.Where(x => x.s.ClassifiersProfile == profile).ToList();
                var max = ClassifiersProfiles.MaximumPerConcept(profile);
                if (holders.Count > max)
                {
                    var (s, i) = holders[max];
                    Add(i, s, "ProfileMultiplicity", ViolationSeverity.Error,
                        $"{concept.Key} has {holders.Count} {profile} classifiers ({Entries(holders)}); at most {max} allowed.");
                }
            }
        }

        foreach (var group in specs.Select((s, i) => (s, i)).Where(x => x.s.ClassifierId is not null).GroupBy(x => x.s.ClassifierId, StringComparer.Ordinal))
        {
            var list = group.ToList();
            if (list.Count > 1)
            {
                var (s, i) = list[1];
                Add(i, s, "DuplicateClassifierId", ViolationSeverity.Error, $"Classifier {group.Key} is listed {list.Count} times: {Entries(list)}.");
            }
        }

        // Order: (numeric Wikibase ID, classifier ID) must not decrease. Ties may come in any registry-version order
        // (the original's sort was stable); generated files break ties by registry version.
        for (var i = 1; i < specs.Count; i++)
        {
            var byId = WikibaseId.NumericStringComparer.Compare(specs[i - 1].WikibaseId, specs[i].WikibaseId);
            if (byId > 0 || (byId == 0 && string.CompareOrdinal(specs[i - 1].ClassifierId, specs[i].ClassifierId) > 0))
            {
                Add(i, specs[i], "EntryOrder", ViolationSeverity.Warning,
                    "Entries are not in canonical order (numeric Wikibase ID, then classifier ID); a rewrite will reorder them.");
                break;
            }
        }
        var ordered = violations.OrderBy(v => v.Entry).ThenBy(v => v.Rule, StringComparer.Ordinal).ToList();
        if (ordered.Count > MaxViolations)
        {
            var more = ordered.Count - MaxViolations;
            ordered = [.. ordered.Take(MaxViolations), new SpecViolation(file, 0, null, null, null, "TooManyViolations", ViolationSeverity.Warning,
                $"{more} more violation(s) are not listed; fix the ones above first.")];
        }
        return ordered;
    }

    /// <summary>The most violations one check reports; beyond it, one summary line.</summary>
    public const int MaxViolations = 1000;

    private static string Entries(List<(ClassifierSpec s, int i)> entries)
    {
        var shown = string.Join(", ", entries.Take(5).Select(x => $"entry {x.i + 1} ({x.s.WikibaseId} {x.s.RegistryVersion})"));
        return entries.Count > 5 ? $"{shown} and {entries.Count - 5} more" : shown;
    }

    /// <summary>Throws <c>InvalidSpec</c> naming every error-severity violation.</summary>
    public static void EnsureValid(IReadOnlyList<ClassifierSpec> specs, string file)
    {
        var errors = Check(specs, file).Where(v => v.Severity == ViolationSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            var lines = string.Join(Environment.NewLine, errors.Take(10).Select(e => $"  entry {e.Entry} ({e.WikibaseId} {e.ClassifierId}): {e.Rule}: {e.Message}"));
            var more = errors.Count > 10 ? $"{Environment.NewLine}  ... and {errors.Count - 10} more" : "";
            throw new KgException("InvalidSpec", KgErrorKind.InvalidData,
                $"Refusing to write {file}: it would break {errors.Count} spec rule(s):{Environment.NewLine}{lines}{more}", errors);
        }
    }
}
