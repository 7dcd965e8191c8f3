namespace KnowledgeGraph.Specs;

/// <summary>One entry of a v2 classifier spec file (<c>classifier_specs/v2/&lt;environment&gt;.yaml</c>): which classifier the
/// inference pipeline runs for a concept. Fields hold the file's text as read, so that a lenient read can report
/// problems instead of failing; <see cref="ClassifierSpecRules"/> says what is valid.</summary>
public sealed record ClassifierSpec
{
    public required string? WikibaseId { get; init; }
    public string? ConceptId { get; init; }
    public required string? ClassifierId { get; init; }
    /// <summary>Singular, as in the file: <c>primary</c>, <c>experimental</c> or <c>retired</c>.</summary>
    public string? ClassifiersProfile { get; init; }
    /// <summary>The registry version (<c>wandb_registry_version</c> in the file, for compatibility).</summary>
    public required string? RegistryVersion { get; init; }
    /// <summary><c>compute_environment.gpu</c>; null when the file has no <c>compute_environment</c>.</summary>
    public bool? RequireGpu { get; init; }
    /// <summary>Sources the classifier must not run on; null when the file has no <c>dont_run_on</c>.</summary>
    public IReadOnlyList<string>? DontRunOn { get; init; }
    /// <summary>1-based line of the entry in the file it was read from, when known.</summary>
    public int? Line { get; init; }

    public override string ToString() => $"{WikibaseId}:{ClassifierId}:{RegistryVersion}";
}

/// <summary>The classifiers profiles: at most one primary, one experimental and three retired per concept.</summary>
public static class ClassifiersProfiles
{
    public const string Primary = "primary";
    public const string Experimental = "experimental";
    public const string Retired = "retired";

    public static readonly IReadOnlyList<string> All = [Primary, Experimental, Retired];

    /// <summary>How many promoted classifiers of a concept may carry each profile in one environment.</summary>
    public static int MaximumPerConcept(string profile) => profile == Retired ? 3 : 1;

    public static bool IsValid(string? profile) => profile is not null && All.Contains(profile, StringComparer.Ordinal);

    /// <summary>Accepts any case, returns the canonical lower-case name.</summary>
    public static string Parse(string? profile)
    {
        var found = All.FirstOrDefault(p => string.Equals(p, profile?.Trim(), StringComparison.OrdinalIgnoreCase));
        return found ?? throw new KgException("InvalidClassifiersProfile", KgErrorKind.InvalidArgument,
            $"'{Identifiers.WikibaseId.Printable(profile)}' is not a classifiers profile. Valid profiles: {string.Join(", ", All)}.", profile);
    }
}

/// <summary>The document sources a classifier can be kept off (<c>dont_run_on</c>).</summary>
public static class DontRunOnSources
{
    public static readonly IReadOnlyList<string> All = ["sabin", "cclw", "cpr", "af", "cif", "gcf", "gef", "oep", "unfccc", "uncdb", "iccn"];

    public static bool IsValid(string? source) => source is not null && All.Contains(source, StringComparer.Ordinal);

    /// <summary>Accepts any case, returns the canonical lower-case name.</summary>
    public static string Parse(string? source)
    {
        var found = All.FirstOrDefault(s => string.Equals(s, source?.Trim(), StringComparison.OrdinalIgnoreCase));
        return found ?? throw new KgException("InvalidSource", KgErrorKind.InvalidArgument,
            $"'{Identifiers.WikibaseId.Printable(source)}' is not a document source. Valid sources: {string.Join(", ", All)}.", source);
    }

    /// <summary>The canonical order of a dont_run_on list: sorted, each once.</summary>
    public static IReadOnlyList<string> Normalise(IEnumerable<string> sources) =>
        sources.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
}
