using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Batches;

/// <summary>What a job definition describes, whatever the service: the image and its arguments (the same entry point
/// as a Slurm task), the store's variables, what each task needs, and how many tasks there are.</summary>
public sealed record JobDefinitionRequest
{
    public required string Name { get; init; }
    public required string Image { get; init; }
    public required TaskLaunch Launch { get; init; }
    public required int Count { get; init; }
    public bool Gpu { get; init; }
    public int CpuCount { get; init; } = 2;
    public int MemoryMiB { get; init; } = 8192;
    public TimeSpan? TimeLimit { get; init; }
    /// <summary>At most this many tasks at once (Kubernetes: the Job's parallelism).</summary>
    public int? Parallelism { get; init; }
    /// <summary>How many times a failed task is tried again (a failing concept never stops the others).</summary>
    public int Retries { get; init; } = 1;

    public IReadOnlyDictionary<string, string> Labels => new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["app.kubernetes.io/name"] = "kgtools",
        ["kgtools/batch"] = Launch.BatchId.ToLowerInvariant(),
        ["kgtools/environment"] = Launch.Store.Environment.Name(),
    };
}

/// <summary>A job definition Export-KgJobDefinition wrote: the text to give the service, and how to start it.</summary>
public sealed record JobDefinition
{
    public required string Kind { get; init; }
    public required string Name { get; init; }
    public required string BatchId { get; init; }
    public required KgEnvironment Environment { get; init; }
    public required int TaskCount { get; init; }
    public required bool Gpu { get; init; }
    /// <summary>The definition: a RegisterJobDefinition request (JSON) or a Kubernetes Job (YAML).</summary>
    public required string Definition { get; init; }
    /// <summary>The command that starts the batch from the definition.</summary>
    public required string SubmitCommand { get; init; }

    public override string ToString() => $"{Kind} {Name}: {TaskCount} task(s) of batch {BatchId} in {Environment.Name()}";
}

/// <summary>Writes a Kubernetes Job (batch/v1, Indexed completion mode) for a batch. Implemented in the infrastructure
/// with the KubernetesClient package's typed models.</summary>
public interface IKubernetesJobWriter
{
    string Write(JobDefinitionRequest request);
}

/// <summary>The kinds of job definition Export-KgJobDefinition writes, and the AWS Batch one (RegisterJobDefinition's
/// request, as the AWS Batch API reference gives it; AWSSDK.Batch is not on this project's feed, so the shape is
/// written here from records and tested field by field).</summary>
public static class JobDefinitions
{
    public const string AwsBatch = "AwsBatch";
    public const string KubernetesJob = "KubernetesJob";
    public static readonly IReadOnlyList<string> Kinds = [AwsBatch, KubernetesJob];

    /// <summary>A name both services take: lower case letters, digits and hyphens, at most 63 characters.</summary>
    public static string NameFor(TrainingBatch batch) => $"kgtools-{batch.Environment.Name()}-{batch.Id.ToLowerInvariant()}";

    /// <summary>The RegisterJobDefinition request of a batch: a container job whose command is the task's arguments (the
    /// image's entry point stays pwsh), the store's variables, VCPU/MEMORY (and GPU) requirements, a retry only when
    /// the host went away, and the time limit per attempt.</summary>
    public static JobDefinition WriteAwsBatch(JobDefinitionRequest r)
    {
        var document = new AwsBatchJobDefinitionDocument
        {
            JobDefinitionName = r.Name,
            Type = "container",
            PlatformCapabilities = ["EC2"],
            ContainerProperties = new AwsContainerPropertiesDocument
            {
                Image = ImageReference.Check(r.Image),
                Command = [.. r.Launch.ContainerArguments],
                Environment = r.Launch.Variables.Select(v => new AwsKeyValueDocument { Name = v.Key, Value = v.Value }).ToList(),
                ResourceRequirements =
                [
                    new AwsResourceRequirementDocument { Type = "VCPU", Value = r.CpuCount.ToString(CultureInfo.InvariantCulture) },
                    new AwsResourceRequirementDocument { Type = "MEMORY", Value = r.MemoryMiB.ToString(CultureInfo.InvariantCulture) },
                    .. r.Gpu ? [new AwsResourceRequirementDocument { Type = "GPU", Value = "1" }] : Array.Empty<AwsResourceRequirementDocument>(),
                ],
            },
            RetryStrategy = new AwsRetryStrategyDocument
            {
                Attempts = 1 + r.Retries,
                EvaluateOnExit =
                [
                    new AwsEvaluateOnExitDocument { OnStatusReason = "Host EC2*", Action = "RETRY" },
                    new AwsEvaluateOnExitDocument { OnReason = "*", Action = "EXIT" },
                ],
            },
            Timeout = r.TimeLimit is { } limit ? new AwsJobTimeoutDocument { AttemptDurationSeconds = Math.Max(60, (long)Math.Ceiling(limit.TotalSeconds)) } : null,
            PropagateTags = true,
            Tags = new SortedDictionary<string, string>(r.Labels.ToDictionary(), StringComparer.Ordinal),
        };
        var json = Encoding.UTF8.GetString(KgJson.ToBytes(document, AwsJson.Default.AwsBatchJobDefinitionDocument));
        // An array job needs at least two children; a batch of one is a plain job (its index is then 0).
        var array = r.Count > 1 ? $" --array-properties size={r.Count}" : "";
        return new JobDefinition
        {
            Kind = AwsBatch,
            Name = r.Name,
            BatchId = r.Launch.BatchId,
            Environment = r.Launch.Store.Environment,
            TaskCount = r.Count,
            Gpu = r.Gpu,
            Definition = json,
            SubmitCommand = $"aws batch register-job-definition --cli-input-json file://{r.Name}.json && aws batch submit-job --job-name {r.Name} --job-queue <your job queue> --job-definition {r.Name}{array}",
        };
    }

    public static JobDefinition WriteKubernetes(JobDefinitionRequest r, IKubernetesJobWriter writer) => new()
    {
        Kind = KubernetesJob,
        Name = r.Name,
        BatchId = r.Launch.BatchId,
        Environment = r.Launch.Store.Environment,
        TaskCount = r.Count,
        Gpu = r.Gpu,
        Definition = writer.Write(r with { Image = ImageReference.Check(r.Image) }),
        SubmitCommand = $"kubectl apply -f {r.Name}.yaml && kubectl wait --for=condition=complete --timeout=-1s job/{r.Name}",
    };
}

// RegisterJobDefinition's request, in the API's own camelCase names.
internal sealed record AwsBatchJobDefinitionDocument
{
    public string? JobDefinitionName { get; init; }
    public string? Type { get; init; }
    public List<string>? PlatformCapabilities { get; init; }
    public AwsContainerPropertiesDocument? ContainerProperties { get; init; }
    public AwsRetryStrategyDocument? RetryStrategy { get; init; }
    public AwsJobTimeoutDocument? Timeout { get; init; }
    public bool PropagateTags { get; init; }
    public SortedDictionary<string, string>? Tags { get; init; }
}

internal sealed record AwsContainerPropertiesDocument
{
    public string? Image { get; init; }
    public List<string>? Command { get; init; }
    public List<AwsKeyValueDocument>? Environment { get; init; }
    public List<AwsResourceRequirementDocument>? ResourceRequirements { get; init; }
}

internal sealed record AwsKeyValueDocument
{
    public string? Name { get; init; }
    public string? Value { get; init; }
}

internal sealed record AwsResourceRequirementDocument
{
    public string? Type { get; init; }
    public string? Value { get; init; }
}

internal sealed record AwsRetryStrategyDocument
{
    public int Attempts { get; init; }
    public List<AwsEvaluateOnExitDocument>? EvaluateOnExit { get; init; }
}

internal sealed record AwsEvaluateOnExitDocument
{
    public string? OnStatusReason { get; init; }
    public string? OnReason { get; init; }
    public string? Action { get; init; }
}

internal sealed record AwsJobTimeoutDocument
{
    public long AttemptDurationSeconds { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true,
    IndentSize = 2)]
[JsonSerializable(typeof(AwsBatchJobDefinitionDocument))]
internal sealed partial class AwsJson : JsonSerializerContext;
