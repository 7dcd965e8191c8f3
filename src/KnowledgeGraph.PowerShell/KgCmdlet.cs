using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Host;
using KnowledgeGraph.Configuration;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.PowerShell.Loading;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.PowerShell;

/// <summary>What every KnowledgeGraph cmdlet shares. One error path: each step (<see cref="Begin"/>, <see cref="Process"/>,
/// <see cref="End"/>) runs inside it, so a <see cref="KgException"/> from anywhere becomes an error record with the
/// exception's stable ErrorId and category (non-terminating: the pipeline goes on with the next input). Relative paths
/// resolve against PowerShell's current location. Confirmation of production changes, cancellation through
/// <see cref="Cmdlet.PipelineStopToken"/>, -Verbose (which store, endpoint, profile) and -Debug (every store request)
/// live here too, as does running core work off the pipeline thread while progress is written from it.</summary>
public abstract class KgCmdlet : PSCmdlet
{
    private readonly ConcurrentQueue<string> _debug = new();
    // Verbose messages and warnings of work that may run off the pipeline thread (concept fetches), written from it.
    private readonly ConcurrentQueue<(bool Warning, string Text)> _notes = new();
    private readonly HashSet<KgEnvironment> _described = [];
    private StoreProvider? _stores;
    // "Yes to All" / "No to All" answers hold for the rest of the pipeline, not just for one input object.
    private bool _yesToAll;
    private bool _noToAll;

    protected CancellationToken StopToken => PipelineStopToken;

    /// <summary>The object error records name when the exception does not say.</summary>
    protected object? ErrorTarget { get; set; }

    protected virtual void Begin()
    {
    }

    protected virtual void Process()
    {
    }

    protected virtual void End()
    {
    }

    // Not sealed, so that a command may still take over a whole step; it then handles its own errors and paths.
    protected override void BeginProcessing() => Guarded(Begin);

    protected override void ProcessRecord() => Guarded(Process);

    protected override void EndProcessing() => Guarded(End);

    private void Guarded(Action step)
    {
        using var location = KgPaths.UseWorkingDirectory(CurrentDirectory);
        using var concepts = Concepts.ConceptSource.UseContext(ConceptContext);
        try
        {
            step();
        }
        catch (KgException e)
        {
            WriteKgError(e);
        }
        catch (OperationCanceledException) when (PipelineStopToken.IsCancellationRequested)
        {
            // Ctrl+C during a request made on the pipeline thread (a concept read from the Wikibase): a stop, not an error.
            throw new PipelineStoppedException();
        }
        finally
        {
            DrainDebug();
        }
    }

    /// <summary>What concept sources use while this command runs: the infrastructure's retries for the Wikibase and
    /// Argilla (loaded only when one is used), this command's messages (every request is a debug message; the password
    /// and API key never appear in any) and its cancellation.</summary>
    private Concepts.ConceptSourceContext ConceptContext => new()
    {
        Http = () => Dependencies.Infrastructure.Http,
        Log = new Wikibase.FetchLog(_debug.Enqueue, m => _notes.Enqueue((false, m)), m => _notes.Enqueue((true, m))),
        Cancellation = PipelineStopToken,
    };

    /// <summary>PowerShell's current file system location (relative paths are relative to it, not to the process).</summary>
    protected string CurrentDirectory => SessionState.Path.CurrentFileSystemLocation.ProviderPath;

    /// <summary>The environments' stores, from the settings (read once per command). S3 stores load the infrastructure.
    /// Every request to a store is written as a debug message (shown with -Debug or $DebugPreference; PowerShell drops
    /// them otherwise).</summary>
    protected StoreProvider Stores => _stores ??= new StoreProvider(KgSettings.Load(), () => Dependencies.Infrastructure.S3, _debug.Enqueue);

    /// <summary>An environment's store; -Verbose says which store, where its location and credentials come from, and the endpoint.</summary>
    protected EnvironmentStore StoreFor(KgEnvironment environment)
    {
        var store = Stores.For(environment);
        if (_described.Add(environment))
        {
            var c = store.Configuration;
            WriteVerbose($"{environment.Name()}: store {c.Store} ({c.StoreSource})"
                + (c.Store.Kind == Storage.StoreKind.S3
                    ? $", endpoint {(c.EndpointUrl is null ? $"AWS ({c.Region ?? "default region"})" : Redact.Url(c.EndpointUrl))}, profile {c.ProfileName ?? "(none)"}{(c.ProfileSource is null ? "" : $" ({c.ProfileSource})")}, credentials from {store.Objects.CredentialSource}"
                    : ""));
        }
        return store;
    }

    /// <summary>ShouldProcess, and for production the confirmation a ConfirmImpact=High cmdlet would ask for (unless
    /// -Force, -Confirm:$false or $ConfirmPreference = 'None'). It asks once: not again when -Confirm already asked, and
    /// "Yes to All" holds for every later input. In a non-interactive session, where nobody can answer, a production
    /// change is skipped with a non-terminating ProductionConfirmationRequired error that names -Force.</summary>
    protected bool ShouldChange(KgEnvironment environment, string target, string action, bool force)
    {
        if (!ShouldProcess(target, action))
        {
            return false;
        }
        if (environment != KgEnvironment.Production || force || _yesToAll)
        {
            return true;
        }
        if (MyInvocation.BoundParameters.TryGetValue("Confirm", out var confirm) && confirm is SwitchParameter)
        {
            return true; // -Confirm:$false skips the question; -Confirm has just asked it
        }
        if (SessionState.PSVariable.GetValue("ConfirmPreference") is ConfirmImpact preference && preference <= ConfirmImpact.Medium)
        {
            return true; // 'None' skips it; 'Medium' or lower made ShouldProcess ask already
        }
        if (_noToAll)
        {
            return false;
        }
        try
        {
            return ShouldContinue($"{action}: {target}. This changes production; go ahead? (Use -Force to skip this question.)", "Change production", ref _yesToAll, ref _noToAll);
        }
        catch (Exception e) when (e is PSInvalidOperationException or HostException or NotImplementedException or PSNotImplementedException)
        {
            WriteKgError(new KgException("ProductionConfirmationRequired", KgErrorKind.PermissionDenied,
                $"{action}: {target}. This changes production and needs confirmation, but this session cannot ask (it is non-interactive). Add -Force to confirm it in the command. Nothing was changed.",
                target, e));
            return false;
        }
    }

    /// <summary>Whether this run only shows what it would do (-WhatIf, or $WhatIfPreference).</summary>
    protected bool IsWhatIf =>
        MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w) ? w is SwitchParameter { IsPresent: true } : SessionState.PSVariable.GetValue("WhatIfPreference") is SwitchParameter { IsPresent: true } or true;

    /// <summary>The classifier_specs folder (-Path/-SpecPath, else $env:KG_SPEC_PATH, else the nearest one at or above
    /// the current location, never the module's own checkout); -Verbose says which and why.</summary>
    protected string LocateSpecFolder(string? explicitPath)
    {
        var (path, origin) = Specs.SpecFolder.Locate(ResolveOptionalPath(explicitPath), CurrentDirectory, Dependencies.ModuleFolder);
        WriteVerbose($"Spec folder: {path} ({origin}).");
        return path;
    }

    /// <summary>Writes an environment's spec file from its registry: locks the file for the whole read-compute-replace
    /// cycle (so a slower update cannot overwrite a newer one with an older list), shows the diff to -WhatIf/-Confirm
    /// (and asks for production unless <paramref name="confirmed"/>), and replaces it atomically when it changed.
    /// Returns null when the change was declined.</summary>
    protected SpecUpdateResult? UpdateSpec(EnvironmentStore store, string folder, bool confirmed, bool force)
    {
        var env = store.Environment;
        using var specLock = Specs.SpecFileLock.Acquire(Specs.SpecFolder.FileOf(folder, env), SpecUpdater.LockTimeout, StopToken);
        var plan = RunWithProgress($"Reading the registry of {env.Name()}", (p, ct) => SpecUpdater.PlanAsync(store, folder, p, ct));
        SpecUpdater.PauseIfRequested(StopToken);
        if (!plan.Changed)
        {
            WriteVerbose($"{plan.Path} is up to date ({plan.Entries.Count} entries).");
            return SpecUpdater.Result(plan);
        }
        var what = $"{plan.Path} ({plan.Entries.Count} entries, +{plan.LinesAdded} -{plan.LinesRemoved} lines):{System.Environment.NewLine}{plan.Diff}";
        if (!confirmed && !ShouldChange(env, what, "Update the inference spec", force))
        {
            return null;
        }
        var written = SpecUpdater.Apply(plan);
        WriteVerbose($"{written.Path}: {written.Entries} entries, +{written.LinesAdded} -{written.LinesRemoved} lines.");
        return written;
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
    protected void WriteKgError(KgException e, object? target = null) => WriteError(ToErrorRecord(e, target ?? ErrorTarget));

    /// <summary>Stops the cmdlet with a terminating error.</summary>
    protected void ThrowKgError(KgException e, object? target = null) => ThrowTerminatingError(ToErrorRecord(e, target ?? ErrorTarget));

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

    /// <summary>-Setting as the JSON object the worker lays over a learned type's defaults (null when not given). Only
    /// numbers, true/false and text are settings; the keyword classifier has none.</summary>
    protected static System.Text.Json.JsonElement? LearnedSettings(System.Collections.Hashtable? setting, Classification.ClassifierType type)
    {
        if (setting is null || setting.Count == 0)
        {
            return null;
        }
        if (!Classification.ClassifierTypes.IsLearned(type))
        {
            throw new KgException("InvalidSettings", KgErrorKind.InvalidArgument,
                $"The {type} classifier has no settings; -Setting is for the learned types ({string.Join(", ", Classification.ClassifierTypes.All.Where(t => t.IsLearned).Select(t => t.Type))}).", type);
        }
        var json = new System.Text.Json.Nodes.JsonObject();
        foreach (System.Collections.DictionaryEntry entry in setting)
        {
            var name = entry.Key.ToString()!;
            json[name] = (entry.Value is PSObject wrapped ? wrapped.BaseObject : entry.Value) switch
            {
                int i => i,
                long l => l,
                double d => d,
                decimal m => m,
                float f => f,
                bool b => b,
                string s => s,
                var other => throw new KgException("InvalidSettings", KgErrorKind.InvalidArgument,
                    $"-Setting {name} = {other ?? "$null"} is not a number, $true/$false or text.", name),
            };
        }
        using var document = System.Text.Json.JsonDocument.Parse(json.ToJsonString());
        return document.RootElement.Clone();
    }

    /// <summary>Whether the user bound <paramref name="name"/> (as opposed to it holding its default).</summary>
    protected bool IsBound(string name) => MyInvocation.BoundParameters.ContainsKey(name);

    private void DrainDebug()
    {
        while (_debug.TryDequeue(out var line))
        {
            WriteDebug(line);
        }
        while (_notes.TryDequeue(out var note))
        {
            if (note.Warning) WriteWarning(note.Text); else WriteVerbose(note.Text);
        }
    }

    /// <summary>Runs <paramref name="work"/> on the thread pool. Its progress reports and messages are queued and written
    /// here, on the pipeline thread (the only thread allowed to write). Ctrl+C cancels the work.</summary>
    protected T RunWithProgress<T>(string activity, Func<IProgress<WorkProgress>, CancellationToken, Task<T>> work, int activityId = 1)
    {
        var queue = new BlockingCollection<WorkProgress>();
        var progress = new Progress(queue);
        var task = Task.Run(() => work(progress, StopToken), StopToken);
        // Wakes the wait below when the work ends, so that a short command does not wait out the 100 ms for nothing.
        // (Not disposed: it has no timer, and the continuation may run after this method returns.)
        var finished = new CancellationTokenSource();
        task.ContinueWith(_ => finished.Cancel(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var wrote = false;
        try
        {
            while (!task.IsCompleted)
            {
                try
                {
                    if (queue.TryTake(out var item, 100, finished.Token))
                    {
                        Drain(item);
                    }
                }
                catch (OperationCanceledException) when (finished.IsCancellationRequested)
                {
                }
                DrainDebug();
            }
            while (queue.TryTake(out var item))
            {
                Drain(item);
            }
            DrainDebug();
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
            DrainDebug();
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
        string s => EnvironmentNames.Parse(s),
        _ => throw new KgException("InvalidEnvironment", KgErrorKind.InvalidArgument,
            $"{(value is null ? "$null" : $"'{value}' ({value.GetType().Name})")} is not an environment. Valid environments: {EnvironmentNames.ValidList}.", value),
    };
}
