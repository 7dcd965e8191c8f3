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
public sealed record SpecUpdateResult(string Environment, string Path, int Entries, bool Changed, int LinesAdded, int LinesRemoved)
{
    public override string ToString() => $"{Path}: {Entries} entries{(Changed ? $", +{LinesAdded} -{LinesRemoved} lines" : ", unchanged")}";
}

/// <summary>Regenerates <c>&lt;classifier_specs&gt;/v2/&lt;environment name&gt;.yaml</c> from the registry: one entry per promoted
/// registry version, in canonical order, in the original's exact YAML. The file is checked against the spec rules and
/// replaced atomically; an unchanged file is not rewritten. The registry is read with one listing and, per concept, a
/// snapshot plus the records after it, in parallel, so the cost grows with the number of concepts only.</summary>
public static class SpecUpdater
{
    /// <summary>How long a spec update waits for another one on the same file.</summary>
    public static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The whole update of a change confirmed already (a batch's promotions): lock the file, plan from the
    /// registry, replace the file when it changed.</summary>
    public static async Task<SpecUpdateResult> UpdateAsync(EnvironmentStore store, string specFolder, CancellationToken cancellationToken)
    {
        using var specLock = SpecFileLock.Acquire(SpecFolder.FileOf(specFolder, store.Environment), LockTimeout, cancellationToken);
        var plan = await PlanAsync(store, specFolder, null, cancellationToken).ConfigureAwait(false);
        return plan.Changed ? Apply(plan) : Result(plan);
    }

    /// <summary>Plans the spec file of <paramref name="store"/>'s environment from its registry. <paramref name="overrides"/>
    /// replaces the state of some concepts (a change not applied yet, for -WhatIf). Every promoted entry is checked
    /// against its model version first: a registry entry pointing at a missing or changed manifest is an error, and
    /// nothing is written.</summary>
    public static async Task<SpecUpdatePlan> PlanAsync(EnvironmentStore store, string specFolder, IProgress<WorkProgress>? progress, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, ConceptRegistry>? overrides = null)
    {
        progress?.Report(WorkProgress.Step($"Reading the registry of {store.Environment.Name()}", 0));
        var concepts = (await store.Registry.ListConceptsAsync(cancellationToken).ConfigureAwait(false))
            .Union(overrides?.Keys ?? []).Order(Identifiers.WikibaseId.NumericStringComparer).ToArray();
        var done = 0;
        var states = await ParallelWork.MapAsync(concepts, store.Parallelism, async (q, ct) =>
        {
            var state = overrides is not null && overrides.TryGetValue(q, out var o) ? o : await store.Registry.GetAsync(q, ct).ConfigureAwait(false);
            var n = Interlocked.Increment(ref done);
            if (n % 50 == 0 || n == concepts.Length)
            {
                progress?.Report(WorkProgress.Step($"Reading the registry of {store.Environment.Name()}", n, concepts.Length, $"{n} of {concepts.Length} concepts"));
            }
            return state;
        }, cancellationToken).ConfigureAwait(false);
        var promoted = states.SelectMany(s => s.Promoted.Select(e => (s.WikibaseId, Entry: e))).ToArray();
        progress?.Report(WorkProgress.Step($"Checking the {promoted.Length} promoted model versions of {store.Environment.Name()}", 0, promoted.Length));
        // A planned copy (-WhatIf of a promotion from another environment) has no manifest yet.
        bool Pending(string q, RegistryEntry e) => overrides?.ContainsKey(q) == true && e.ManifestSha256 == CrossEnvironmentPromotion.PendingSha256;
        var problems = (await ParallelWork.MapAsync(promoted, store.Parallelism,
                (p, ct) => Pending(p.WikibaseId, p.Entry) ? Task.FromResult<string?>(null) : CheckReferenceAsync(store, p.WikibaseId, p.Entry, ct), cancellationToken).ConfigureAwait(false))
            .OfType<string>().ToArray();
        var path = SpecFolder.FileOf(specFolder, store.Environment);
        if (problems.Length > 0)
        {
            throw new KgException("DanglingRegistryEntry", KgErrorKind.InvalidData,
                $"Refusing to write {path}: {problems.Length} promoted registry entr{(problems.Length == 1 ? "y points" : "ies point")} at a model version that is missing or was changed after it was promoted:{Environment.NewLine}  "
                + string.Join(Environment.NewLine + "  ", problems.Take(10)) + (problems.Length > 10 ? $"{Environment.NewLine}  ... and {problems.Length - 10} more" : "")
                + $"{Environment.NewLine}Demote them (Unpublish-KgClassifier), or check the store with Test-KgEnvironment {store.Environment.Name()} -Deep. Nothing was written.",
                problems);
        }
        var entries = ClassifierSpecRules.Sort(promoted.Select(p => p.Entry.ToSpec(p.WikibaseId)));
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

    /// <summary>Null when the entry's model version exists with the manifest it was promoted with, else what is wrong.</summary>
    private static async Task<string?> CheckReferenceAsync(EnvironmentStore store, string wikibaseId, RegistryEntry entry, CancellationToken cancellationToken)
    {
        if (entry.IsExternal)
        {
            return null; // the registry of record keeps this model itself (a W&B artifact logged by another system)
        }
        var what = $"{wikibaseId} registry {entry.RegistryVersion} ({entry.ClassifierId} {entry.ModelVersion})";
        var json = await store.Objects.GetAsync(Models.ModelStore.ManifestKey(wikibaseId, entry.ClassifierId, entry.ModelVersion), cancellationToken).ConfigureAwait(false);
        if (json is null)
        {
            return $"{what}: the model version does not exist";
        }
        return Models.ModelManifest.Sha256Hex(json) == entry.ManifestSha256 ? null : $"{what}: its manifest differs from the one promoted (SHA-256 {entry.ManifestSha256[..12]}...)";
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

    /// <summary>A test hook: with <c>$env:KG_TEST_SPEC_PAUSE</c> naming a folder, an update that has planned (and holds the
    /// file's lock) creates <c>planned-&lt;pid&gt;</c> there and waits for <c>go</c>, so tests can interleave two updates exactly.</summary>
    public static void PauseIfRequested(CancellationToken cancellationToken)
    {
        var folder = Environment.GetEnvironmentVariable("KG_TEST_SPEC_PAUSE");
        if (string.IsNullOrEmpty(folder) || !Directory.Exists(folder))
        {
            return;
        }
        File.WriteAllText(Path.Combine(folder, $"planned-{Environment.ProcessId}"), "");
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!File.Exists(Path.Combine(folder, "go")) && DateTime.UtcNow < deadline)
        {
            cancellationToken.WaitHandle.WaitOne(20);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
