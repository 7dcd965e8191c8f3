namespace KnowledgeGraph.Inference;

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<InferenceStatus>))]
public enum InferenceStatus
{
    /// <summary>The classifier classified at least one document in this run.</summary>
    Ran,
    /// <summary>Every document it should run on was already done (same classifier version, same content) or skipped.</summary>
    UpToDate,
    /// <summary>It requires a GPU and this machine has none (and -AllowCpu was not given).</summary>
    NotRun,
    /// <summary>It could not be loaded or failed while classifying; the documents it did not finish are not recorded as done.</summary>
    Failed,
}

/// <summary>What an inference run did with one spec entry: Invoke-KgInference's output, one row per entry.</summary>
public sealed record InferenceClassifierRun
{
    public required string Environment { get; init; }
    public required string WikibaseId { get; init; }
    public required string ClassifierId { get; init; }
    public required string RegistryVersion { get; init; }
    public required string ModelVersion { get; init; }
    public required string ClassifierName { get; init; }
    public required InferenceStatus Status { get; init; }
    /// <summary>Documents classified in this run (one labelled-passages file each).</summary>
    public int Documents { get; init; }
    /// <summary>Documents already done for this classifier version and the same document content.</summary>
    public int UpToDate { get; init; }
    /// <summary>Documents skipped because their source is in the entry's <c>dont_run_on</c>.</summary>
    public int Skipped { get; init; }
    /// <summary>Documents the original runs nothing on (not English only, no valid text).</summary>
    public int NoOp { get; init; }
    /// <summary>Passages classified in this run.</summary>
    public long Passages { get; init; }
    /// <summary>Passages with at least one predicted span.</summary>
    public long PositivePassages { get; init; }
    public long Spans { get; init; }
    /// <summary>Where it ran: <c>process</c> (keyword, in the module), or the worker's device (<c>cpu</c>, <c>cuda</c>).</summary>
    public string? Device { get; init; }
    public required IReadOnlyList<string> DontRunOn { get; init; }
    public required bool RequireGpu { get; init; }
    /// <summary>Why it did not run, or failed.</summary>
    public string? Reason { get; init; }
    /// <summary>Where the results are: the environment's store or the output folder.</summary>
    public required string Output { get; init; }
}

/// <summary>The whole run: a row per spec entry, the errors, and totals.</summary>
public sealed record InferenceRunSummary
{
    public required IReadOnlyList<InferenceClassifierRun> Classifiers { get; init; }
    /// <summary>Documents that could not be read (nothing was written for them).</summary>
    public required IReadOnlyList<KgException> DocumentErrors { get; init; }
    /// <summary>Classifiers that could not be loaded or failed while classifying.</summary>
    public required IReadOnlyList<KgException> ClassifierErrors { get; init; }
    /// <summary>Documents of this run (of its chunk, when the documents are split into chunks).</summary>
    public required int Documents { get; init; }
    public required int DocumentsClassified { get; init; }
    public required int DocumentsUpToDate { get; init; }
    public required int DocumentsNoOp { get; init; }
    /// <summary>Passages of the documents classified in this run.</summary>
    public required long Passages { get; init; }
    /// <summary>Passages × classifiers classified in this run.</summary>
    public required long Classifications { get; init; }
    /// <summary>Files written: labelled passages and aggregated documents.</summary>
    public required int FilesWritten { get; init; }
    public required TimeSpan Elapsed { get; init; }
    /// <summary>Thread time per phase (<see cref="Phase"/>), summed over threads.</summary>
    public IReadOnlyDictionary<Phase, TimeSpan> Phases { get; init; } = new Dictionary<Phase, TimeSpan>();

    /// <summary>The phases as one line: <c>read 0.12 s, hash 0.03 s, ...</c>.</summary>
    public string PhaseLine => string.Join(", ", Phases.Select(p => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{p.Key} {p.Value.TotalSeconds:F3} s")));
}

/// <summary>A concept found in a document, as Get-KgInferenceResult outputs it (one row per predicted span).</summary>
public sealed record InferenceResult
{
    public required string DocumentId { get; init; }
    public required string TextBlockId { get; init; }
    public required string WikibaseId { get; init; }
    public required string ConceptName { get; init; }
    public required string ClassifierId { get; init; }
    public required string RegistryVersion { get; init; }
    public required int Start { get; init; }
    public required int End { get; init; }
    public required string LabelledText { get; init; }
    public required string Model { get; init; }
    public required string Timestamp { get; init; }
    public double? Probability { get; init; }
    public required string Source { get; init; }
}
