using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Evaluation;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Models;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.WandB;

/// <summary>What Invoke-KgTraining -Track logged to W&amp;B for one trained version.</summary>
public sealed record WandBTracking
{
    /// <summary>The run, <c>entity/&lt;Qid&gt;/&lt;run&gt;</c>.</summary>
    public required string Run { get; init; }
    /// <summary>The model artifact, <c>entity/&lt;Qid&gt;/&lt;classifier id&gt;:vN</c>.</summary>
    public required string Artifact { get; init; }
    /// <summary>The W&amp;B version of the model artifact (the store's version number follows it).</summary>
    public required string ArtifactVersion { get; init; }
    /// <summary>The artifact of the model's predictions on the evaluation passages, when it was evaluated.</summary>
    public string? LabelledPassagesArtifact { get; init; }

    public override string ToString() => $"{Artifact} (run {Run})";
}

/// <summary>The model artifact of a store version, as the original logs one: named by the classifier ID, type
/// <c>model</c>, with the original's metadata, and whose files are references to the version's objects in the
/// environment's S3 store (the manifest and every file's content-addressed blob) with their ETags as checksums, so that
/// no model byte is copied to W&amp;B.</summary>
public static class WandBModels
{
    public static JsonObject Metadata(StoredModelVersion version)
    {
        var m = version.Manifest.Metadata;
        var metadata = new JsonObject
        {
            ["aws_env"] = m.AwsEnv,
            ["classifier_name"] = m.ClassifierName,
            ["concept_id"] = m.ConceptId,
            ["concept_wikibase_revision"] = m.ConceptWikibaseRevision,
        };
        if (m.RequireGpu)
        {
            metadata["compute_environment"] = new JsonObject { ["gpu"] = true };
        }
        return metadata;
    }

    public static async Task<IReadOnlyList<ArtifactEntry>> ReferencesAsync(EnvironmentStore store, StoredModelVersion version, CancellationToken ct)
    {
        var m = version.Manifest;
        var keys = new List<(string Path, string Key)> { ("manifest.json", ModelStore.ManifestKey(m.WikibaseId, m.ClassifierId, m.Version)) };
        keys.AddRange(m.Files.Select(f => (f.Name, ModelStore.BlobKey(f.Sha256))));
        var entries = new List<ArtifactEntry>();
        foreach (var (path, key) in keys)
        {
            var reference = await store.Objects.ReferenceAsync(key, ct).ConfigureAwait(false)
                ?? throw new KgException(store.Configuration.Store.Kind == Storage.StoreKind.S3 ? "ModelFileMissing" : "WandBNeedsS3Store",
                    store.Configuration.Store.Kind == Storage.StoreKind.S3 ? KgErrorKind.ObjectNotFound : KgErrorKind.InvalidOperation,
                    store.Configuration.Store.Kind == Storage.StoreKind.S3
                        ? $"{key} of {m.WikibaseId}/{m.ClassifierId} {m.Version} is missing from {store.Objects.Location}."
                        : $"W&B model artifacts refer to the model's objects in S3, as the original's do, but the store of {store.Environment.Name()} is the local folder {store.Objects.Location}. Point the environment at an S3 store (Set-KgEnvironment {store.Environment.Name()} -Store s3://bucket/prefix) to track or promote in W&B.",
                    store.Environment.Name());
            entries.Add(new ReferenceEntry(path, reference));
        }
        return entries;
    }

    /// <summary>Logs the version's model artifact from <paramref name="run"/>.</summary>
    public static async Task<WandBArtifact> LogAsync(WandBRun run, EnvironmentStore store, StoredModelVersion version, CancellationToken ct)
    {
        var references = await ReferencesAsync(store, version, ct).ConfigureAwait(false);
        return await run.LogArtifactAsync(version.Manifest.ClassifierId, WandBConfiguration.ModelType, Metadata(version),
            WandBRegistry.Describe(version), references, ct).ConfigureAwait(false);
    }

    /// <summary>Logs the version's model artifact from a run of its own (job type <paramref name="jobType"/>) that also
    /// records using it, and ends the run.</summary>
    public static async Task<WandBArtifact> LogAsync(WandBApi api, string entity, EnvironmentStore store, StoredModelVersion version, string jobType, CancellationToken ct)
    {
        var references = await ReferencesAsync(store, version, ct).ConfigureAwait(false); // checked before a run is made
        var run = await WandBRun.StartAsync(api, entity, version.Manifest.WikibaseId, jobType,
            new JsonObject { ["classifier_id"] = version.Manifest.ClassifierId, ["aws_env"] = version.Manifest.Metadata.AwsEnv }, ct).ConfigureAwait(false);
        var artifact = await run.LogArtifactAsync(version.Manifest.ClassifierId, WandBConfiguration.ModelType, Metadata(version),
            WandBRegistry.Describe(version), references, ct).ConfigureAwait(false);
        await run.UseAsync(artifact, ct).ConfigureAwait(false);
        await run.FinishAsync(0, ct).ConfigureAwait(false);
        return artifact;
    }
}

/// <summary>What Invoke-KgTraining -Track logs, after the version is stored (original-models.md §4.2): a run of job type
/// <c>train_model</c> in project <c>&lt;Qid&gt;</c> with the run config, the evaluation scalars (history and summary) and
/// tables (<c>performance</c>, <c>validation_set_predictions</c>), the model artifact (references to the store), and the
/// <c>&lt;classifier id&gt;-labelled-passages</c> artifact of the model's predictions on the evaluation passages.</summary>
public static class WandBTracker
{
    /// <summary>The version W&amp;B will give the next artifact of a classifier (its latest plus one; v0 for a new one), so
    /// that the store can number the version the same.</summary>
    public static async Task<Identifiers.ModelVersion> NextVersionAsync(WandBApi api, string entity, string wikibaseId, string classifierId, CancellationToken ct)
    {
        var latest = await api.MembershipAsync(entity, wikibaseId, $"{classifierId}:latest", ct).ConfigureAwait(false);
        return new Identifiers.ModelVersion(latest?.Artifact.VersionIndex is { } v ? v + 1 : 0);
    }

    public static async Task<WandBTracking> TrackAsync(WandBApi api, string entity, EnvironmentStore store, TrainingRequest request, TrainingResult result,
        StoredModelVersion version, IReadOnlyList<LabelledPassage> evaluationPassages, IReadOnlyList<LabelledPassage>? predictions,
        IProgress<WorkProgress>? progress, CancellationToken ct)
    {
        var q = version.Manifest.WikibaseId;
        var references = await WandBModels.ReferencesAsync(store, version, ct).ConfigureAwait(false);
        progress?.Report(WorkProgress.Step($"Logging the run to W&B ({entity}/{q})", 0, 3));
        var run = await WandBRun.StartAsync(api, entity, q, "train_model", Config(request, result, evaluationPassages, predictions), ct).ConfigureAwait(false);
        var (history, summary, tables) = Evaluation(result.Metrics, evaluationPassages, predictions);
        await run.UploadFilesAsync(tables.ToDictionary(t => t.Path, t => t.Content), ct).ConfigureAwait(false);
        foreach (var t in tables)
        {
            summary[t.Key] = t.Reference;
        }
        await run.LogAsync(history, summary, ct).ConfigureAwait(false);

        progress?.Report(WorkProgress.Step($"Logging the model artifact {version.Manifest.ClassifierId} to W&B", 1, 3));
        var model = await run.LogArtifactAsync(version.Manifest.ClassifierId, WandBConfiguration.ModelType, WandBModels.Metadata(version),
            WandBRegistry.Describe(version), references, ct).ConfigureAwait(false);
        string? passagesArtifact = null;
        if (predictions is { Count: > 0 })
        {
            progress?.Report(WorkProgress.Step("Logging the evaluation predictions to W&B", 2, 3));
            var jsonl = Encoding.UTF8.GetBytes(string.Concat(predictions.Select(p => ConceptJson.WritePassage(p) + "\n")));
            var metadata = new JsonObject
            {
                ["concept_wikibase_revision"] = request.Concept.WikibaseRevision,
                ["passage_count"] = predictions.Count,
                ["num_positives"] = predictions.Count(p => p.IsPositive),
                ["num_negatives"] = predictions.Count(p => !p.IsPositive),
                ["classifier_id"] = version.Manifest.ClassifierId,
            };
            var passages = await run.LogArtifactAsync($"{version.Manifest.ClassifierId}-labelled-passages", WandBConfiguration.LabelledPassagesType, metadata,
                $"Predictions of {version.Manifest.ClassifierId} {version.Manifest.Version} on the evaluation passages of {q}.",
                [new FileEntry("labelled_passages.jsonl", jsonl)], ct).ConfigureAwait(false);
            passagesArtifact = passages.Path;
        }
        await run.FinishAsync(0, ct).ConfigureAwait(false);
        if (model.VersionIndex != version.Manifest.Version.Number)
        {
            progress?.Report(WorkProgress.Warn(
                $"W&B numbered the model artifact v{model.VersionIndex}, but the store holds it as {version.Manifest.Version} ({(WandBRegistry.StoreVersionOf(model).ManifestSha256 == version.ManifestSha256 ? "another version of this classifier was logged to W&B at the same time" : "W&B already had the same model files")}); the artifact's description names the store version, so promotion still finds it."));
        }
        return new WandBTracking
        {
            Run = run.Path,
            Artifact = model.Path,
            ArtifactVersion = $"v{model.VersionIndex}",
            LabelledPassagesArtifact = passagesArtifact,
        };
    }

    private static JsonObject Config(TrainingRequest request, TrainingResult result, IReadOnlyList<LabelledPassage> evaluation, IReadOnlyList<LabelledPassage>? predictions)
    {
        var learned = ClassifierTypes.IsLearned(request.Type);
        var kwargs = new JsonObject();
        if (learned)
        {
            kwargs["device"] = request.Options.Device;
            kwargs["threads"] = request.Options.Threads;
            kwargs["epochs"] = request.Options.Epochs;
        }
        var config = new JsonObject
        {
            ["classifier_type"] = result.ClassifierName,
            ["concept_id"] = result.ConceptId,
            ["experimental_model_type"] = request.Type != ClassifierType.Keyword,
            ["experimental_concept"] = false,
            ["classifier_kwargs"] = kwargs,
            ["concept_overrides"] = new JsonArray(),
            ["wikibase_id"] = result.WikibaseId,
            ["aws_env"] = request.Environment.For(EnvironmentUse.ModelMetadata),
            ["store_version"] = result.Version,
            ["device"] = result.Device,
        };
        if (learned)
        {
            config["seed"] = request.Options.Seed;
        }
        if (request.ExtraTrainingData.Count > 0)
        {
            config["extra_training_passages"] = request.ExtraTrainingData.Count;
        }
        if (request.Evaluate && evaluation.Count > 0)
        {
            config["n_gold_standard_labelled_passages"] = evaluation.Count;
            config["n_annotations"] = evaluation.Sum(p => p.Spans.Count);
            config["n_model_labelled_passages"] = predictions?.Count ?? 0;
        }
        return config;
    }

    private sealed record Table(string Key, string Path, byte[] Content, JsonObject Reference);

    /// <summary>The original's evaluation scalars (<c>metrics/&lt;group&gt;/&lt;level&gt;/&lt;metric&gt;</c> in the history,
    /// <c>passage_level_*</c> in the summary) and tables.</summary>
    private static (IReadOnlyList<JsonObject> History, JsonObject Summary, IReadOnlyList<Table> Tables) Evaluation(
        IReadOnlyList<ClassifierEvaluation> metrics, IReadOnlyList<LabelledPassage> gold, IReadOnlyList<LabelledPassage>? predictions)
    {
        var row = new JsonObject { ["_step"] = 0 };
        var summary = new JsonObject();
        foreach (var m in metrics)
        {
            var prefix = $"metrics/{m.Group}/{LevelName(m.Level)}/";
            row[prefix + "precision"] = m.Precision;
            row[prefix + "recall"] = m.Recall;
            row[prefix + "accuracy"] = m.Accuracy;
            row[prefix + "f1"] = m.F1;
            row[prefix + "support"] = m.Support;
            if (m.Group == Evaluator.AllGroup && m.Level == "Passage")
            {
                summary["passage_level_precision"] = m.Precision;
                summary["passage_level_recall"] = m.Recall;
                summary["passage_level_f1"] = m.F1;
                summary["passage_level_accuracy"] = m.Accuracy;
                summary["passage_level_support"] = m.Support;
            }
        }
        foreach (var (k, v) in summary)
        {
            row[k] = v?.DeepClone();
        }
        var tables = new List<Table>();
        if (metrics.Count > 0)
        {
            tables.Add(MakeTable("performance", ["group", "agreement_level", "precision", "recall", "accuracy", "f1", "support"],
                metrics.Select(m => new JsonArray(m.Group, LevelName(m.Level), m.Precision, m.Recall, m.Accuracy, m.F1, m.Support))));
        }
        if (predictions is { Count: > 0 } && predictions.Count == gold.Count)
        {
            tables.Add(MakeTable("validation_set_predictions",
                ["passage_id", "text", "gold_has_concept", "predicted_has_concept", "correct", "gold_span_count", "predicted_span_count", "gold_spans", "predicted_spans"],
                gold.Zip(predictions).Select(p => new JsonArray(p.First.Id, p.First.Text, p.First.IsPositive, p.Second.IsPositive, p.First.IsPositive == p.Second.IsPositive,
                    p.First.Spans.Count, p.Second.Spans.Count, string.Join("|", p.First.Spans.Select(s => s.LabelledText)), string.Join("|", p.Second.Spans.Select(s => s.LabelledText))))));
        }
        return ([row], summary, tables);
    }

    /// <summary>The original's names of the agreement levels ("Passage level", "Span level (0.5)").</summary>
    private static string LevelName(string level) => level switch
    {
        "Passage" => "Passage level",
        _ when level.StartsWith("Span@", StringComparison.Ordinal) => $"Span level ({level[5..]})",
        _ => level + " level",
    };

    /// <summary>A W&amp;B table file (<c>media/table/&lt;key&gt;_0_&lt;hash&gt;.table.json</c>) and the summary value that refers to it.</summary>
    private static Table MakeTable(string key, string[] columns, IEnumerable<JsonArray> rows)
    {
        var data = new JsonArray(rows.Select(r => (JsonNode)r).ToArray());
        var content = WandBApi.Bytes(new JsonObject { ["columns"] = new JsonArray(columns.Select(c => (JsonNode)c).ToArray()), ["data"] = data });
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        var path = $"media/table/{key}_0_{sha[..20]}.table.json";
        var reference = new JsonObject
        {
            ["_type"] = "table-file",
            ["path"] = path,
            ["sha256"] = sha,
            ["size"] = content.Length,
            ["ncols"] = columns.Length,
            ["nrows"] = data.Count,
        };
        return new Table(key, path, content, reference);
    }
}
