using System.Globalization;
using System.Text.RegularExpressions;

namespace KnowledgeGraph.Batches;

/// <summary>Slurm, through its client commands on PATH (<c>sbatch</c>, <c>scontrol</c>, <c>scancel</c>), which find the
/// cluster the usual way (<c>$SLURM_CONF</c>, <c>/etc/slurm/slurm.conf</c> or DNS). A batch is one array job
/// (<c>sbatch --array=0-N</c>); sbatch passes the submitting environment to the tasks, so the <c>SBATCH_*</c> variables
/// (account, QOS, memory) apply as they would to any job. Task states come from <c>scontrol show job</c>, which needs no
/// accounting database; Slurm forgets a finished job after <c>MinJobAge</c> (300 s by default), which is why the
/// outcome of a task is read from the store.</summary>
public sealed partial class SlurmScheduler : ITaskScheduler
{
    public const string SchedulerName = "Slurm";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(120);

    private SlurmScheduler(string sbatch, string scontrol, string scancel)
    {
        Sbatch = sbatch;
        Scontrol = scontrol;
        Scancel = scancel;
    }

    public string Name => SchedulerName;
    public string Sbatch { get; }
    public string Scontrol { get; }
    public string Scancel { get; }

    /// <summary>Slurm's client commands from PATH, or an error saying what is missing.</summary>
    public static SlurmScheduler Locate()
    {
        var tools = new[] { "sbatch", "scontrol", "scancel" }.Select(t => (Name: t, Path: ExternalCommand.Find(t))).ToArray();
        var missing = tools.Where(t => t.Path is null).Select(t => t.Name).ToArray();
        if (missing.Length > 0)
        {
            throw new KgException("SchedulerNotInstalled", KgErrorKind.NotInstalled,
                $"Slurm's {string.Join(", ", missing)} {(missing.Length == 1 ? "is" : "are")} not on PATH, so no batch can be submitted to Slurm. Install Slurm's client commands on this machine (Debian: apt-get install slurm-client) and point them at the cluster ($env:SLURM_CONF), or train here without -Scheduler.",
                SchedulerName);
        }
        return new SlurmScheduler(tools[0].Path!, tools[1].Path!, tools[2].Path!);
    }

    public async Task<SubmittedArray> SubmitAsync(ArraySubmission submission, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(submission.Folder);
        var script = Path.Combine(submission.Folder, submission.Name + ".sh");
        await File.WriteAllTextAsync(script, submission.Script, cancellationToken).ConfigureAwait(false);
        var result = await RunAsync(Sbatch, SubmitArguments(submission, script), cancellationToken).ConfigureAwait(false);
        var id = result.Output.Trim().Split(';')[0];
        if (result.ExitCode != 0 || !JobIdPattern().IsMatch(id))
        {
            throw SubmitError(result, submission);
        }
        return new SubmittedArray(SchedulerName, id, submission.Count, submission.Folder);
    }

    /// <summary>sbatch's arguments: the array, the logs (one per task, appended to when a task is requeued), the
    /// working folder, and the partition, generic resources and time limit when given.</summary>
    public static IReadOnlyList<string> SubmitArguments(ArraySubmission s, string script)
    {
        var arguments = new List<string>
        {
            "--parsable",
            "--job-name=" + s.Name,
            $"--array=0-{s.Count - 1}" + (s.Throttle is { } t ? "%" + t.ToString(CultureInfo.InvariantCulture) : ""),
            "--output=" + Path.Combine(s.Folder, "%A_%a.log"),
            "--open-mode=append",
            "--chdir=" + s.Folder,
        };
        if (s.Partition is { } partition)
        {
            arguments.Add("--partition=" + partition);
        }
        if (s.Gres is { } gres)
        {
            arguments.Add("--gres=" + gres);
        }
        if (s.TimeLimit is { } limit)
        {
            arguments.Add("--time=" + FormatTime(limit));
        }
        arguments.Add(script);
        return arguments;
    }

    /// <summary>A time limit as Slurm writes it: <c>D-HH:MM:SS</c>, rounded up to whole seconds.</summary>
    public static string FormatTime(TimeSpan limit)
    {
        var seconds = (long)Math.Ceiling(limit.TotalSeconds);
        return string.Create(CultureInfo.InvariantCulture, $"{seconds / 86400}-{seconds / 3600 % 24:D2}:{seconds / 60 % 60:D2}:{seconds % 60:D2}");
    }

    public async Task<IReadOnlyList<ArrayTaskStatus>> GetStatusAsync(SubmittedArray job, CancellationToken cancellationToken)
    {
        var result = await RunAsync(Scontrol, ["--oneliner", "show", "job", job.JobId], cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            if ((result.Error + result.Output).Contains("Invalid job id", StringComparison.OrdinalIgnoreCase))
            {
                return []; // finished longer ago than MinJobAge: Slurm no longer knows it
            }
            throw Unavailable("scontrol", result);
        }
        return ParseJobs(result.Output, job);
    }

    public async Task CancelAsync(SubmittedArray job, int? index, CancellationToken cancellationToken)
    {
        var target = index is { } i ? $"{job.JobId}_{i.ToString(CultureInfo.InvariantCulture)}" : job.JobId;
        var result = await RunAsync(Scancel, [target], cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0 && !(result.Error + result.Output).Contains("Invalid job id", StringComparison.OrdinalIgnoreCase))
        {
            throw Unavailable("scancel", result);
        }
    }

    /// <summary>The tasks in <c>scontrol --oneliner show job</c> output: one line per started task, and one per group of
    /// pending tasks (<c>ArrayTaskId=2-11%2</c>, <c>1,3-5</c>).</summary>
    public static IReadOnlyList<ArrayTaskStatus> ParseJobs(string output, SubmittedArray job)
    {
        var tasks = new Dictionary<int, ArrayTaskStatus>();
        foreach (var line in output.Split('\n').Where(l => l.Contains("JobState=", StringComparison.Ordinal)))
        {
            var fields = FieldPattern().Matches(line).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);
            if (!fields.TryGetValue("ArrayTaskId", out var ids) || !fields.TryGetValue("JobState", out var state))
            {
                continue;
            }
            var (exit, signal) = fields.TryGetValue("ExitCode", out var code) ? ParseExitCode(code) : (null, null);
            var node = fields.TryGetValue("NodeList", out var n) && n.Length > 0 && n != "(null)" ? n : null;
            foreach (var index in ExpandIndexes(ids).Where(i => i >= 0 && i < job.Count))
            {
                tasks[index] = new ArrayTaskStatus
                {
                    Index = index,
                    State = StateOf(state),
                    SchedulerState = state,
                    Reason = fields.TryGetValue("Reason", out var reason) && reason != "None" ? reason : null,
                    ExitCode = exit,
                    Signal = signal,
                    Node = node,
                    LogPath = Path.Combine(job.Folder, $"{job.JobId}_{index.ToString(CultureInfo.InvariantCulture)}.log"),
                };
            }
        }
        return tasks.Values.OrderBy(t => t.Index).ToArray();
    }

    /// <summary>Slurm's job states in the module's terms (https://slurm.schedmd.com/job_state_codes.html).</summary>
    public static TaskState StateOf(string slurmState) => slurmState switch
    {
        "COMPLETED" => TaskState.Completed,
        "CANCELLED" => TaskState.Cancelled,
        "FAILED" or "TIMEOUT" or "NODE_FAIL" or "OUT_OF_MEMORY" or "BOOT_FAIL" or "DEADLINE" or "PREEMPTED" or "SPECIAL_EXIT" => TaskState.Failed,
        "RUNNING" or "COMPLETING" or "STAGE_OUT" or "SIGNALING" or "RESIZING" or "SUSPENDED" or "STOPPED" => TaskState.Running,
        _ => TaskState.Pending, // PENDING, CONFIGURING, REQUEUED, REQUEUE_HOLD, ...
    };

    /// <summary><c>ExitCode=3:0</c> (exit code 3) or <c>0:9</c> (killed by signal 9).</summary>
    public static (int? ExitCode, int? Signal) ParseExitCode(string text)
    {
        var parts = text.Split(':');
        int? Part(int i) => parts.Length > i && int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
        var signal = Part(1);
        return (Part(0), signal is > 0 ? signal : null);
    }

    /// <summary>Array task IDs as scontrol writes them: <c>7</c>, <c>0-11</c>, <c>0-11%2</c>, <c>1,3-5</c>.</summary>
    public static IEnumerable<int> ExpandIndexes(string text)
    {
        foreach (var part in text.Split('%')[0].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var bounds = part.Split('-');
            if (!int.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first))
            {
                continue;
            }
            var last = bounds.Length > 1 && int.TryParse(bounds[1], NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? l : first;
            for (var i = first; i <= last; i++)
            {
                yield return i;
            }
        }
    }

    private static async Task<CommandResult> RunAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        try
        {
            return await ExternalCommand.RunAsync(tool, arguments, CommandTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new KgException("SchedulerUnavailable", KgErrorKind.ConnectionError,
                $"Slurm did not answer: {e.Message} Is its controller running (scontrol ping)?", SchedulerName, e);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new KgException("SchedulerNotInstalled", KgErrorKind.NotInstalled, $"{tool} could not be started: {e.Message}", SchedulerName, e);
        }
    }

    private static bool Unreachable(CommandResult r) =>
        (r.Error + r.Output) is var text && (text.Contains("Unable to contact slurm controller", StringComparison.OrdinalIgnoreCase)
            || text.Contains("Connection refused", StringComparison.OrdinalIgnoreCase)
            || text.Contains("configuration source", StringComparison.OrdinalIgnoreCase)
            || text.Contains("Socket timed out", StringComparison.OrdinalIgnoreCase));

    private static KgException Unavailable(string tool, CommandResult r) => new("SchedulerUnavailable", KgErrorKind.ConnectionError,
        $"Slurm's {tool} failed: {r.FirstLine}." + (Unreachable(r) ? " Is the cluster's controller running (scontrol ping), and does $env:SLURM_CONF name its configuration?" : ""),
        SchedulerName);

    private static KgException SubmitError(CommandResult r, ArraySubmission s)
    {
        if (Unreachable(r))
        {
            return new KgException("SchedulerUnavailable", KgErrorKind.ConnectionError,
                $"Slurm's controller did not take the batch: {r.FirstLine}. Is it running (scontrol ping), and does $env:SLURM_CONF name the cluster's configuration? Nothing was submitted.",
                SchedulerName);
        }
        return new KgException("SchedulerRejected", KgErrorKind.InvalidArgument,
            $"Slurm refused the batch{(s.Partition is null ? "" : $" for partition '{s.Partition}'")}: {r.FirstLine}. Nothing was submitted.", SchedulerName);
    }

    [GeneratedRegex(@"(?:^|\s)([A-Za-z/:]+)=(\S*)", RegexOptions.CultureInvariant)]
    private static partial Regex FieldPattern();

    [GeneratedRegex("^[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex JobIdPattern();
}
