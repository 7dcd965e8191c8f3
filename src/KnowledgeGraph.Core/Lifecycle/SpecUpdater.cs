using KnowledgeGraph.Environments;
using KnowledgeGraph.Registry;
using KnowledgeGraph.Specs;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Lifecycle;

/// <summary>What writing an environment's spec file would change.</summary>
public sealed record SpecUpdatePlan
{
    public required KgEnvironment Environment { get; init; }
    public required string Path { get; init; }
    public required IReadOnlyList<ClassifierSpec> Entries { get; init; }
    public required string Content { get; init; }
    public required string? PreviousContent { get; init; }
    public required string Diff { get; init; }
    public required int LinesAdded { get; init; }
    public required int LinesRemoved { get; init; }
    public bool Changed => !string.Equals(Content, PreviousContent, StringComparison.Ordinal);
}

/// <summary>The result of Update-KgInferenceSpec for one environment.</summary>
public sealed record SpecUpdateResult(string Environment, string Path, int Entries, bool Changed, int LinesAdded, int LinesRemoved);

/// <summary>Regenerates <c>&lt;classifier_specs&gt;/v2/&lt;environment name&gt;.yaml</c> from the registry: one entry per promoted
/// registry version, in canonical order, in the original's exact YAML. The file is checked against the spec rules and
/// replaced atomically; an unchanged file is not rewritten. The registry is read with one listing and, per concept, a
/// snapshot plus the records after it, in parallel, so the cost grows with the number of concepts only.</summary>
public static class SpecUpdater
{
    public static async Task<SpecUpdatePlan> PlanAsync(EnvironmentStore store, string specFolder, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        progress?.Report(WorkProgress.Step($"Reading the registry of {store.Environment.Name()}", 0));
        var concepts = await store.Registry.ListConceptsAsync(cancellationToken).ConfigureAwait(false);
        var done = 0;
        var states = await ParallelWork.MapAsync(concepts, store.Parallelism, async (q, ct) =>
        {
            var state = await store.Registry.GetAsync(q, ct).ConfigureAwait(false);
            var n = Interlocked.Increment(ref done);
            if (n % 50 == 0 || n == concepts.Count)
            {
                progress?.Report(WorkProgress.Step($"Reading the registry of {store.Environment.Name()}", n, concepts.Count, $"{n} of {concepts.Count} concepts"));
            }
            return state;
        }, cancellationToken).ConfigureAwait(false);
        var entries = ClassifierSpecRules.Sort(states.SelectMany(s => s.Promoted.Select(e => e.ToSpec(s.WikibaseId))));
        var path = SpecFolder.FileOf(specFolder, store.Environment);
        ClassifierSpecRules.EnsureValid(entries, path);
        var content = ClassifierSpecYaml.Format(entries);
        var previous = File.Exists(path) ? FileText.ReadAll(path, "spec file") : null;
        var name = $"classifier_specs/v2/{store.Environment.For(EnvironmentUse.SpecFile)}.yaml";
        var (diff, added, removed) = TextDiff.Unified(previous ?? "", content, "a/" + name, "b/" + name);
        return new SpecUpdatePlan
        {
            Environment = store.Environment,
            Path = path,
            Entries = entries,
            Content = content,
            PreviousContent = previous,
            Diff = diff,
            LinesAdded = added,
            LinesRemoved = removed,
        };
    }

    /// <summary>Writes the planned file (atomically), unless it already has that content.</summary>
    public static SpecUpdateResult Apply(SpecUpdatePlan plan)
    {
        if (plan.Changed)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(plan.Path)!);
            FileText.WriteAtomic(plan.Path, plan.Content, "spec file");
        }
        return Result(plan);
    }

    public static SpecUpdateResult Result(SpecUpdatePlan plan) =>
        new(plan.Environment.Name(), plan.Path, plan.Entries.Count, plan.Changed, plan.LinesAdded, plan.LinesRemoved);
}
