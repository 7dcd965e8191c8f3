using System.Collections.Concurrent;
using System.Management.Automation;
using KnowledgeGraph.Configuration;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Loading;

namespace KnowledgeGraph.PowerShell;

/// <summary>What every KnowledgeGraph cmdlet shares: error records with stable IDs from <see cref="KgException"/>,
/// cancellation on Ctrl+C, provider-aware path resolution, and running core work off the pipeline thread while
/// progress and messages are written from it.</summary>
public abstract class KgCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private StoreProvider? _stores;

    protected CancellationToken StopToken => _stop.Token;

    protected override void StopProcessing() => _stop.Cancel();

    /// <summary>The environments' stores, from the settings (read once per command). S3 stores load the infrastructure.</summary>
    protected StoreProvider Stores => _stores ??= new StoreProvider(KgSettings.Load(), () => Dependencies.Infrastructure.S3);

    /// <summary>Runs <paramref name="work"/> against an environment's store, turning failures to open it into KgExceptions.</summary>
    protected EnvironmentStore StoreFor(KgEnvironment environment) => Stores.For(environment);

    /// <summary>For changes to production: asks for confirmation as a ConfirmImpact=High cmdlet would (unless -Force, -Confirm:$false
    /// or $ConfirmPreference = 'None'), while the same cmdlet on other environments only asks when -Confirm is given.</summary>
    protected bool ConfirmProduction(KgEnvironment environment, bool force, string question)
    {
        if (environment != KgEnvironment.Production || force)
        {
            return true;
        }
        if (MyInvocation.BoundParameters.TryGetValue("Confirm", out var confirm) && confirm is SwitchParameter { IsPresent: false })
        {
            return true;
        }
        if (SessionState.PSVariable.GetValue("ConfirmPreference") is ConfirmImpact.None)
        {
            return true;
        }
        var yesToAll = false;
        var noToAll = false;
        return ShouldContinue(question + " Use -Force to skip this question.", "Change production", ref yesToAll, ref noToAll);
    }

    public void Dispose()
    {
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    internal static ErrorCategory CategoryOf(KgErrorKind kind) => kind switch
    {
        KgErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        KgErrorKind.InvalidData => ErrorCategory.InvalidData,
        KgErrorKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
        KgErrorKind.InvalidOperation => ErrorCategory.InvalidOperation,
        KgErrorKind.ResourceExists => ErrorCategory.ResourceExists,
        KgErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        KgErrorKind.AuthenticationError => ErrorCategory.AuthenticationError,
        KgErrorKind.ConnectionError => ErrorCategory.ConnectionError,
        KgErrorKind.ReadError => ErrorCategory.ReadError,
        KgErrorKind.WriteError => ErrorCategory.WriteError,
        KgErrorKind.NotInstalled => ErrorCategory.NotInstalled,
        KgErrorKind.NotImplemented => ErrorCategory.NotImplemented,
        KgErrorKind.OperationStopped => ErrorCategory.OperationStopped,
        KgErrorKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        KgErrorKind.LimitsExceeded => ErrorCategory.LimitsExceeded,
        _ => ErrorCategory.NotSpecified,
    };

    internal static ErrorRecord ToErrorRecord(KgException e, object? target = null) =>
        new(e, e.ErrorId, CategoryOf(e.Kind), target ?? e.Target);

    /// <summary>Writes a non-terminating error for one input; the cmdlet goes on with the next.</summary>
    protected void WriteKgError(KgException e, object? target = null) => WriteError(ToErrorRecord(e, target));

    /// <summary>Stops the cmdlet with a terminating error.</summary>
    protected void ThrowKgError(KgException e, object? target = null) => ThrowTerminatingError(ToErrorRecord(e, target));

    protected static KgException Error(string errorId, KgErrorKind kind, string message, object? target = null) =>
        new(errorId, kind, message, target);

    /// <summary>Resolves a path given to a parameter, relative to the current PowerShell location and through PS drives.</summary>
    protected string ResolvePath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    protected string? ResolveOptionalPath(string? path) => string.IsNullOrWhiteSpace(path) ? null : ResolvePath(path);

    /// <summary>The corpus a learned type draws negatives from: the paths given (an empty value: none), else
    /// $env:KG_CORPUS_PATH, else the settings file's; none for the keyword classifier. Checked here, so that a bad path
    /// fails before anything is trained.</summary>
    protected IReadOnlyList<string> TrainingCorpus(string[]? corpusPath, bool bound, Classification.ClassifierType type)
    {
        var given = bound ? (corpusPath ?? []).Where(p => !string.IsNullOrWhiteSpace(p)).Select(ResolvePath).ToArray() : null;
        var (paths, source) = CorpusPathSetting.Resolve(given, KgSettings.Load(), ResolvePath);
        if (!Classification.ClassifierTypes.IsLearned(type))
        {
            if (given is { Length: > 0 })
            {
                WriteWarning($"The {type} classifier learns nothing from a corpus: -CorpusPath is ignored.");
            }
            return [];
        }
        if (paths.Count > 0)
        {
            Corpus.CorpusReader.ResolveFiles(paths);
            WriteVerbose($"Corpus: {string.Join(", ", paths)} (from {source}).");
        }
        return paths;
    }

    /// <summary>Whether the user bound <paramref name="name"/> (as opposed to it holding its default).</summary>
    protected bool IsBound(string name) => MyInvocation.BoundParameters.ContainsKey(name);

    /// <summary>Runs <paramref name="work"/> on the thread pool. Its progress reports and messages are queued and written
    /// here, on the pipeline thread (the only thread allowed to write). Ctrl+C cancels the work.</summary>
    protected T RunWithProgress<T>(string activity, Func<IProgress<WorkProgress>, CancellationToken, Task<T>> work, int activityId = 1)
    {
        var queue = new BlockingCollection<WorkProgress>();
        var progress = new Progress(queue);
        var task = Task.Run(() => work(progress, StopToken), StopToken);
        var wrote = false;
        try
        {
            while (!task.IsCompleted)
            {
                if (queue.TryTake(out var item, 100))
                {
                    Drain(item);
                }
            }
            while (queue.TryTake(out var item))
            {
                Drain(item);
            }
            return task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        finally
        {
            if (wrote)
            {
                WriteProgress(new ProgressRecord(activityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }

        void Drain(WorkProgress item)
        {
            if (item.Verbose is { } message)
            {
                WriteVerbose(message);
                return;
            }
            if (item.Warning is { } warning)
            {
                WriteWarning(warning);
                return;
            }
            var record = new ProgressRecord(activityId, activity, item.Status ?? activity);
            if (item.Total is > 0)
            {
                record.PercentComplete = (int)Math.Clamp(100 * item.Done / item.Total.Value, 0, 100);
            }
            if (item.Detail is { } detail)
            {
                record.CurrentOperation = detail;
            }
            WriteProgress(record);
            wrote = true;
        }
    }

    /// <summary>Runs <paramref name="work"/> for each item, at most <paramref name="degree"/> at a time, writing each item's
    /// progress (as a child of <paramref name="activity"/>) from the pipeline thread. Returns each item's result or
    /// KgException, in input order; other exceptions stop the command.</summary>
    protected IReadOnlyList<(T? Result, KgException? Error)> RunParallel<TItem, T>(string activity, IReadOnlyList<TItem> items, int degree,
        Func<TItem, string> describe, Func<TItem, IProgress<WorkProgress>, CancellationToken, Task<T>> work)
    {
        var queue = new BlockingCollection<(int Index, WorkProgress? Progress, bool Done)>();
        var results = new (T? Result, KgException? Error)[items.Count];
        using var gate = new SemaphoreSlim(Math.Max(1, degree));
        var tasks = items.Select((item, i) => Task.Run(async () =>
        {
            await gate.WaitAsync(StopToken).ConfigureAwait(false);
            try
            {
                queue.Add((i, WorkProgress.Step("Starting", 0), false));
                results[i] = (await work(item, new IndexedProgress(queue, i), StopToken).ConfigureAwait(false), null);
            }
            catch (KgException e)
            {
                results[i] = (default, e);
            }
            finally
            {
                gate.Release();
                queue.Add((i, null, true));
            }
        }, StopToken)).ToArray();
        var all = Task.WhenAll(tasks);
        var finished = 0;
        while (!all.IsCompleted || queue.Count > 0)
        {
            if (!queue.TryTake(out var message, 100))
            {
                continue;
            }
            var id = 100 + message.Index;
            if (message.Done)
            {
                finished++;
                WriteProgress(new ProgressRecord(id, describe(items[message.Index]), "Done") { ParentActivityId = 99, RecordType = ProgressRecordType.Completed });
                WriteProgress(new ProgressRecord(99, activity, $"{finished} of {items.Count} done") { PercentComplete = 100 * finished / Math.Max(1, items.Count) });
            }
            else if (message.Progress is { Verbose: { } verbose })
            {
                WriteVerbose($"{describe(items[message.Index])}: {verbose}");
            }
            else if (message.Progress is { Warning: { } warning })
            {
                WriteWarning($"{describe(items[message.Index])}: {warning}");
            }
            else if (message.Progress is { } p)
            {
                var record = new ProgressRecord(id, describe(items[message.Index]), p.Status ?? "Working") { ParentActivityId = 99 };
                if (p.Total is > 0) record.PercentComplete = (int)Math.Clamp(100 * p.Done / p.Total.Value, 0, 100);
                if (p.Detail is { } detail) record.CurrentOperation = detail;
                WriteProgress(record);
            }
        }
        try
        {
            all.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        WriteProgress(new ProgressRecord(99, activity, "Done") { RecordType = ProgressRecordType.Completed });
        return results;
    }

    private sealed class IndexedProgress(BlockingCollection<(int, WorkProgress?, bool)> queue, int index) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value) => queue.Add((index, value, false));
    }

    private sealed class Progress(BlockingCollection<WorkProgress> queue) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value) => queue.Add(value);
    }

    /// <summary>Accepts KgEnvironment values and any environment spelling; used by the environment transformation.</summary>
    internal static KgEnvironment ParseEnvironment(object? value) => value switch
    {
        KgEnvironment e => e,
        PSObject p => ParseEnvironment(p.BaseObject),
        _ => EnvironmentNames.Parse(value?.ToString()),
    };
}
