using System.Text;
using System.Text.RegularExpressions;
using KnowledgeGraph.Configuration;
using KnowledgeGraph.Environments;

namespace KnowledgeGraph.Batches;

/// <summary>How a task of a batch is started, the same way on every scheduler: PowerShell runs
/// <c>Invoke-KgTrainingTask -BatchId &lt;id&gt; -Environment &lt;name&gt;</c> (an inference batch:
/// <c>Invoke-KgInferenceTask</c>), which takes its task number from the
/// scheduler's variable (<c>SLURM_ARRAY_TASK_ID</c>, <c>AWS_BATCH_JOB_ARRAY_INDEX</c>, <c>JOB_COMPLETION_INDEX</c>), in the
/// image (whose entry point is pwsh with the module imported) or with the module installed on the node. The store's
/// configuration, as resolved where the batch was submitted, goes with it in environment variables; credentials never
/// do: they come from the node's own environment, AWS files or role.</summary>
public sealed partial class TaskLaunch
{
    /// <summary>Variables passed into a container by name when the task's environment has them (never their values in
    /// the script): credentials, region, and the scheduler's task number.</summary>
    public static readonly IReadOnlyList<string> PassThrough =
    [
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
        "AWS_EC2_METADATA_DISABLED", "AWS_CA_BUNDLE", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_JOB_ID", "SLURM_JOB_ID",
    ];

    public const string TrainingTask = "Invoke-KgTrainingTask";
    public const string InferenceTask = "Invoke-KgInferenceTask";

    /// <param name="sharedPaths">Paths the tasks read (a corpus, documents), mounted read-only at the same paths into the image.</param>
    /// <param name="taskCommand">The cmdlet every task runs: <see cref="TrainingTask"/> or <see cref="InferenceTask"/>.</param>
    public TaskLaunch(string batchId, EnvironmentConfiguration store, IReadOnlyList<string> sharedPaths, string taskCommand = TrainingTask)
    {
        BatchId = Batches.BatchId.Parse(batchId);
        Store = store;
        SharedPaths = sharedPaths;
        TaskCommand = taskCommand is TrainingTask or InferenceTask ? taskCommand : throw new ArgumentOutOfRangeException(nameof(taskCommand));
    }

    public string BatchId { get; }
    public EnvironmentConfiguration Store { get; }
    public IReadOnlyList<string> SharedPaths { get; }
    public string TaskCommand { get; }

    /// <summary>The store's configuration for the task, as <c>KG_&lt;NAME&gt;_*</c> variables (which take precedence over
    /// any settings file on the node).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Variables
    {
        get
        {
            var name = Store.Environment.For(EnvironmentUse.EnvironmentVariable);
            var variables = new List<KeyValuePair<string, string>> { new($"KG_{name}_STORE", Store.Store.ToString()) };
            void Add(string suffix, string? value)
            {
                if (value is not null)
                {
                    variables.Add(new($"KG_{name}_{suffix}", value));
                }
            }
            Add("ENDPOINT_URL", Store.EndpointUrl);
            Add("PROFILE", Store.ProfileName);
            Add("REGION", Store.Region);
            Add("FORCE_PATH_STYLE", Store.ForcePathStyle ? "true" : "false");
            return variables;
        }
    }

    /// <summary>The PowerShell command of every task; an error ends it with a non-zero exit code (the scheduler's FAILED),
    /// and -Verbose puts its progress in the log.</summary>
    public string Command => $"{TaskCommand} -BatchId {BatchId} -Environment {Store.Environment.Name()} -Verbose -ErrorAction Stop";

    /// <summary>The image's arguments (after its entry point, pwsh).</summary>
    public IReadOnlyList<string> ContainerArguments => ["-NonInteractive", "-Command", Command];

    /// <summary>A Slurm batch script: the store's variables, then pwsh with the module on the node, or podman running the
    /// image (host network, so the store's endpoint is the same as on the node; AWS files mounted read-only; the corpus or the
    /// documents mounted at the same paths; for a GPU batch, the node's GPUs through the CDI name <c>nvidia.com/gpu</c>).</summary>
    public string SlurmScript(string description, string? image, IReadOnlyList<string> pwsh, string? moduleManifest, bool gpu)
    {
        var s = new StringBuilder();
        s.Append("#!/bin/bash\n");
        s.Append("# KnowledgeGraph ").Append(TaskCommand == TrainingTask ? "training" : "inference").Append(" batch ").Append(BatchId).Append(": ").Append(OneLine(description)).Append('\n');
        s.Append("# Each array task runs one task of the batch (").Append(TaskCommand).Append(" reads $SLURM_ARRAY_TASK_ID) against this store.\n");
        s.Append("set -u\n");
        foreach (var (name, value) in Variables)
        {
            s.Append("export ").Append(name).Append('=').Append(BashQuote(value)).Append('\n');
        }
        if (image is null)
        {
            var manifest = moduleManifest ?? throw new ArgumentNullException(nameof(moduleManifest));
            s.Append("exec");
            foreach (var part in pwsh)
            {
                s.Append(' ').Append(BashQuote(part));
            }
            s.Append(" -NoProfile -NonInteractive -Command ").Append(BashQuote($"Import-Module {PowerShellQuote(manifest)}; {Command}")).Append('\n');
            return s.ToString();
        }
        ImageReference.Check(image);
        s.Append("args=(run --rm --network=host --pull=missing)\n");
        s.Append("for name in ").AppendJoin(' ', Variables.Select(v => v.Key).Concat(PassThrough)).Append("; do\n");
        s.Append("  if [ -n \"${!name+set}\" ]; then args+=(--env \"$name\"); fi\n");
        s.Append("done\n");
        s.Append("if [ -n \"${AWS_SHARED_CREDENTIALS_FILE:-}\" ]; then args+=(--volume \"$AWS_SHARED_CREDENTIALS_FILE:/kg/aws/credentials:ro\" --env AWS_SHARED_CREDENTIALS_FILE=/kg/aws/credentials)\n");
        s.Append("elif [ -d \"$HOME/.aws\" ]; then args+=(--volume \"$HOME/.aws:/root/.aws:ro\"); fi\n");
        s.Append("if [ -n \"${AWS_CONFIG_FILE:-}\" ]; then args+=(--volume \"$AWS_CONFIG_FILE:/kg/aws/config:ro\" --env AWS_CONFIG_FILE=/kg/aws/config); fi\n");
        foreach (var path in SharedPaths)
        {
            s.Append("args+=(--volume ").Append(BashQuote($"{path}:{path}:ro")).Append(")\n");
        }
        if (gpu)
        {
            s.Append("args+=(--device nvidia.com/gpu=all)\n");
        }
        s.Append("exec podman \"${args[@]}\" ").Append(BashQuote(image));
        foreach (var argument in ContainerArguments)
        {
            s.Append(' ').Append(BashQuote(argument));
        }
        s.Append('\n');
        return s.ToString();
    }

    /// <summary>A word for bash: single-quoted, with each single quote closed, escaped and reopened.</summary>
    public static string BashQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>A PowerShell string literal: single-quoted, single quotes doubled.</summary>
    public static string PowerShellQuote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string OneLine(string text) => NewLines().Replace(text, " ");

    [GeneratedRegex(@"[\r\n]+", RegexOptions.CultureInvariant)]
    private static partial Regex NewLines();
}

/// <summary>Container image references (<c>[registry[:port]/]name[:tag][@sha256:digest]</c>), checked before they reach
/// a script or a job definition.</summary>
public static partial class ImageReference
{
    public static string Check(string? reference)
    {
        if (reference is null || reference.Length > 512 || !Pattern().IsMatch(reference))
        {
            throw new KgException("InvalidImageReference", KgErrorKind.InvalidArgument,
                $"'{reference}' is not a container image reference: use [registry[:port]/]name[:tag][@sha256:digest] in lower case, such as localhost:5000/kgtools:0.1.0 or registry.example.org/ml/kgtools@sha256:<64 hex digits>.",
                reference);
        }
        return reference;
    }

    [GeneratedRegex(@"^(?:[a-z0-9]+(?:[.-][a-z0-9]+)*(?::[0-9]{1,5})?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
