using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Text;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.Inference;

public sealed record InferenceOptions
{
    /// <summary>Classify again what is already done.</summary>
    public bool Force { get; init; }
    /// <summary>Run classifiers that require a GPU on the CPU when there is no CUDA device.</summary>
    public bool AllowCpu { get; init; }
    /// <summary>Whether this machine has a CUDA device (<see cref="CudaDevices.Available"/>).</summary>
    public bool CudaAvailable { get; init; }
    /// <summary>How many classifiers (and documents being read) at once.</summary>
    public int ThrottleLimit { get; init; } = 1;
    /// <summary>Run only the documents of chunk <see cref="ChunkIndex"/> of <see cref="ChunkCount"/> (by a hash of the
    /// document ID, so separate processes given the same documents split them without talking to each other).</summary>
    public int ChunkIndex { get; init; }
    public int ChunkCount { get; init; } = 1;
    /// <summary>Report every skipped (document, classifier) pair as a verbose message.</summary>
    public bool ReportSkips { get; init; }
    /// <summary>Documents are read, classified and recorded in batches of about this many bytes of document files
    /// (at most <see cref="BatchDocuments"/> files): memory depends on the batch, not on the number of documents.</summary>
    public long BatchBytes { get; init; } = 4 << 20;
    public int BatchDocuments { get; init; } = 512;
}

/// <summary>Runs the environment's classifiers over documents and writes the results (<see cref="InferenceLayout"/>).
/// <list type="number">
/// <item>Per batch of documents: read each document and the aggregated file recorded for it; decide per classifier
/// whether the document is skipped (<c>dont_run_on</c>), already done (same classifier version and content), or to
/// classify; parse only the documents with work to do.</item>
/// <item>Each classifier with work classifies all its passages of the batch in one call (a learned model's worker
/// gets them in batches), then writes one labelled-passages file per document; classifiers run in parallel up to the
/// throttle limit.</item>
/// <item>Each document's aggregated file is built meanwhile and written once those files are stored: it is the record
/// that the document is done, so a killed run leaves work to redo, never a document recorded as done without its
/// files. The writes of the aggregated files overlap the next batch.</item>
/// </list></summary>
public sealed class InferenceRunner(IInferenceOutput output, InferenceClassifierLoader load, InferenceOptions options)
{
    /// <param name="unresolved">Spec entries that cannot run: their earlier results are kept, not dropped.</param>
    public async Task<InferenceRunSummary> RunAsync(string environment, IReadOnlyList<InferenceClassifier> classifiers,
        IReadOnlyList<DocumentFile> documents, IProgress<WorkProgress>? progress, CancellationToken cancellationToken,
        IReadOnlyList<UnresolvedSpecEntry>? unresolved = null)
    {
        if (options.ChunkCount < 1 || options.ChunkIndex < 0 || options.ChunkIndex >= options.ChunkCount)
        {
            throw new KgException("InvalidChunk", KgErrorKind.InvalidArgument,
                $"Chunk {options.ChunkIndex} of {options.ChunkCount} does not exist: the chunk index must be from 0 to the chunk count minus 1.", options.ChunkIndex);
        }
        var run = new Run(environment, classifiers.Select(c => new ClassifierState(c, options)).ToArray(), unresolved ?? [], progress);
        foreach (var s in run.States.Where(s => s.NotRunReason is not null))
        {
            progress?.Report(WorkProgress.Warn($"{s.Classifier} is not run: {s.NotRunReason}"));
        }
        var mine = documents.Where(d => options.ChunkCount == 1 || DocumentFolds.Fold(d.Id, options.ChunkCount) == options.ChunkIndex).ToArray();
        try
        {
            run.Total = mine.Length;
            foreach (var batch in Batches(mine))
            {
                run.Batch = batch.Count;
                run.ClassifiersDone = 0;
                cancellationToken.ThrowIfCancellationRequested();
                var prepared = await ParallelWork.MapAsync(batch, Degree, (d, ct) => PrepareAsync(run, d, ct), cancellationToken).ConfigureAwait(false);
                var work = new Batch(prepared.Where(d => d.Parsed is not null && d.Pending.Count > 0).ToArray());
                await ScreenAsync(run, work, cancellationToken).ConfigureAwait(false);
                // Longest first (by the last batch's time): the classifiers' costs differ tenfold, and a slow one
                // started last would leave the other threads idle.
                var order = run.Runnable.OrderByDescending(s => s.LastSeconds).ToArray();
                await ParallelWork.MapAsync(order, options.ThrottleLimit, (s, ct) => ClassifyAsync(run, s, work, ct), cancellationToken).ConfigureAwait(false);
                // The aggregated files are built while the labelled-passages files are still being written, and
                // written once those are stored; they are flushed with the next batch's files, or at the end.
                var records = await ParallelWork.MapAsync(prepared, Degree, (d, ct) => RecordAsync(run, d, ct), cancellationToken).ConfigureAwait(false);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < prepared.Length; i++)
                {
                    if (records[i] is { } json)
                    {
                        var t = Stopwatch.GetTimestamp();
                        // The bytes are this document's alone: written from where they are.
                        await output.WriteAsync(InferenceLayout.AggregatedKey(prepared[i].File.Id), new ReadOnlyMemory<byte>[] { json }, cancellationToken).ConfigureAwait(false);
                        run.Phases.Add(Phase.Write, t);
                        Interlocked.Increment(ref run.FilesWritten);
                    }
                }
                run.Done += batch.Count;
                run.Batch = 0;
                ReportProgress(run);
            }
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var s in run.States)
            {
                s.Dispose();
            }
        }
        return new InferenceRunSummary
        {
            Classifiers = run.States.Select(s => s.ToRow(environment, output.Location)).ToArray(),
            DocumentErrors = run.DocumentErrors.OrderBy(e => e.Target as string, StringComparer.Ordinal).ToArray(),
            ClassifierErrors = run.States.Select(s => s.Error).OfType<KgException>().ToArray(),
            Documents = mine.Length,
            DocumentsClassified = run.DocumentsClassified,
            DocumentsUpToDate = run.DocumentsUpToDate,
            DocumentsNoOp = run.DocumentsNoOp,
            Passages = run.Passages,
            Classifications = run.States.Sum(s => s.Passages),
            FilesWritten = run.FilesWritten,
            Elapsed = run.Clock.Elapsed,
            Phases = run.Phases.ToSeconds(),
        };
    }

    /// <summary>How much of an aggregated file is read first to decide what is done: room for its header when it lists
    /// the run's classifiers (about 330 bytes each); a longer header is read whole after.</summary>
    private static int HeaderBytes(Run run) => 4096 + 512 * run.States.Length;

    private int Degree => Math.Max(options.ThrottleLimit, output.Parallelism);

    private IEnumerable<IReadOnlyList<DocumentFile>> Batches(IReadOnlyList<DocumentFile> documents)
    {
        var batch = new List<DocumentFile>();
        long bytes = 0;
        foreach (var d in documents)
        {
            var size = SizeOf(d.Path);
            if (batch.Count > 0 && (bytes + size > options.BatchBytes || batch.Count >= options.BatchDocuments))
            {
                yield return batch;
                batch = [];
                bytes = 0;
            }
            batch.Add(d);
            bytes += size;
        }
        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    private static long SizeOf(string path)
    {
        try
        {
            var length = new FileInfo(path).Length;
            return path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? length * 5 : length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0; // reading it reports the problem
        }
    }

    // ---------------------------------------------------------------- 1. what is to do

    private async Task<Document> PrepareAsync(Run run, DocumentFile file, CancellationToken cancellationToken)
    {
        var document = new Document(file);
        try
        {
            var t = Stopwatch.GetTimestamp();
            var content = DocumentReader.ReadContent(file.Path);
            t = run.Phases.Add(Phase.Read, t);
            document.ContentSha256 = DocumentReader.ContentSha256(content);
            t = run.Phases.Add(Phase.Hash, t);
            // The header comes first in the file: its start is enough, unless the header is longer.
            var key = InferenceLayout.AggregatedKey(file.Id);
            var headerBytes = HeaderBytes(run);
            var previousJson = await output.ReadPrefixAsync(key, headerBytes, cancellationToken).ConfigureAwait(false);
            var previous = previousJson is null ? null : AggregatedDocument.ReadHeader(previousJson);
            // Exactly the length asked for: maybe only the start (an output that reads whole objects returns more).
            var complete = previousJson is null || previousJson.Length != headerBytes;
            if (previous is null && !complete)
            {
                previousJson = await output.ReadAsync(key, cancellationToken).ConfigureAwait(false);
                previous = previousJson is null ? null : AggregatedDocument.ReadHeader(previousJson);
                complete = true;
            }
            document.PreviousComplete = complete;
            run.Phases.Add(Phase.UpToDateCheck, t);
            if (previous is not null && previous.ContentSha256 == document.ContentSha256)
            {
                document.Previous = previous;
                document.PreviousJson = previousJson;
            }
            document.Outdated = previousJson is not null && document.Previous is null;
            foreach (var s in run.States)
            {
                if (s.NotRunReason is not null)
                {
                    // Not run here (no GPU): results of the same version from an earlier run (-AllowCpu, a GPU machine) stay.
                    if (!DocumentSource.ShouldSkip(file.Id, s.Classifier.DontRunOn) && document.Previous?.Find(s.Classifier.Model.ManifestSha256) is { } kept)
                    {
                        document.Done.Add((s, kept));
                    }
                }
                else if (DocumentSource.ShouldSkip(file.Id, s.Classifier.DontRunOn))
                {
                    Interlocked.Increment(ref s.Skipped);
                    if (options.ReportSkips)
                    {
                        run.Progress?.Report(WorkProgress.Message($"Skipped {file.Id} for {s.Classifier}: its source '{DocumentSource.Of(file.Id)}' is in dont_run_on."));
                    }
                }
                else if (!options.Force && document.Previous?.Find(s.Classifier.Model.ManifestSha256) is { } done)
                {
                    document.Done.Add((s, done));
                }
                else
                {
                    document.Pending.Add(s);
                }
            }
            if (document.Pending.Count > 0)
            {
                var parseStart = Stopwatch.GetTimestamp();
                var parsed = DocumentReader.Parse(file, content);
                run.Phases.Add(Phase.Parse, parseStart);
                if (parsed.NoOpReason is { } reason)
                {
                    foreach (var s in document.Pending)
                    {
                        Interlocked.Increment(ref s.NoOp);
                    }
                    document.Pending.Clear();
                    document.NoOp = true;
                    Interlocked.Increment(ref run.DocumentsNoOp);
                    run.Progress?.Report(WorkProgress.Message($"Skipped {file.Id} for every classifier: {reason}."));
                }
                else
                {
                    var encoderStart = Stopwatch.GetTimestamp();
                    document.Parsed = parsed;
                    document.Encoder = LabelledPassageEncoder.For(parsed.Passages);
                    run.Phases.Add(Phase.Encode, encoderStart);
                }
            }
            foreach (var (s, _) in document.Done)
            {
                Interlocked.Increment(ref s.UpToDate);
            }
        }
        catch (KgException e)
        {
            document.Failed = true;
            document.Pending.Clear();
            run.DocumentErrors.Enqueue(e);
        }
        return document;
    }

    // ---------------------------------------------------------------- 2. classify and write per classifier

    private async Task<bool> ClassifyAsync(Run run, ClassifierState state, Batch batch, CancellationToken cancellationToken)
    {
        try
        {
            return await ClassifyBatchAsync(run, state, batch, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Increment(ref run.ClassifiersDone);
            ReportProgress(run);
        }
    }

    private async Task<bool> ClassifyBatchAsync(Run run, ClassifierState state, Batch batch, CancellationToken cancellationToken)
    {
        var documents = batch.Parsed.Where(d => d.Pending.Contains(state)).ToArray();
        if (documents.Length == 0 || state.Error is not null)
        {
            return false;
        }
        var clock = Stopwatch.StartNew();
        IReadOnlyList<IReadOnlyList<Span>> spans;
        try
        {
            var classifier = await state.LoadAsync(load, cancellationToken).ConfigureAwait(false);
            var all = documents.Length == batch.Parsed.Count;
            var texts = all ? batch.Texts.Value : TextsOf(documents);
            var matchStart = Stopwatch.GetTimestamp();
            spans = texts.Length == 0 ? []
                : all && classifier is KeywordClassifier keyword && batch.Candidates.TryGetValue(state, out var candidates) ? keyword.Predict(texts, candidates)
                : classifier.Predict(texts);
            run.Phases.Add(Phase.Match, matchStart);
            Validate(state, spans, texts.Length);
        }
        catch (KgException e)
        {
            Fail(run, state, e);
            return false;
        }

        await WriteAsync(run, state, documents, spans, cancellationToken).ConfigureAwait(false);
        state.LastSeconds = clock.Elapsed.TotalSeconds;
        return true;
    }

    private static void Fail(Run run, ClassifierState state, KgException e)
    {
        state.Fail(e);
        run.Progress?.Report(WorkProgress.Warn($"{state.Classifier} failed and stops for this run: {e.Message}"));
    }

    /// <summary>The keyword classifiers are screened together (<see cref="KeywordScreen"/>): those with work in the first
    /// batch that has any are loaded, then for each batch one pass over its passages finds which ones each must look
    /// at. With one keyword classifier there is nothing to share, so it runs alone.</summary>
    private async Task ScreenAsync(Run run, Batch batch, CancellationToken cancellationToken)
    {
        if (batch.Parsed.Count == 0)
        {
            return;
        }
        if (run.Screened is null)
        {
            // Those with work in this batch (the usual run: all of them); one loaded later is not screened, which
            // costs time, not results.
            var keyword = run.Runnable.Where(s => !s.Classifier.IsLearned && batch.Parsed.Any(d => d.Pending.Contains(s))).ToArray();
            await ParallelWork.MapAsync(keyword, Degree, async (s, ct) =>
            {
                try
                {
                    return await s.LoadAsync(load, ct).ConfigureAwait(false);
                }
                catch (KgException e)
                {
                    Fail(run, s, e);
                    return null;
                }
            }, cancellationToken).ConfigureAwait(false);
            run.Screened = keyword.Where(s => s.Loaded is KeywordClassifier).ToArray();
            run.Screen = run.Screened.Length > 1 ? new KeywordScreen(run.Screened.Select(s => (KeywordClassifier)s.Loaded!).ToArray()) : null;
        }
        if (run.Screen is null)
        {
            return;
        }
        var t = Stopwatch.GetTimestamp();
        var candidates = run.Screen.Candidates(batch.Texts.Value);
        for (var i = 0; i < run.Screened.Length; i++)
        {
            batch.Candidates[run.Screened[i]] = candidates[i];
        }
        run.Phases.Add(Phase.Screen, t);
    }

    /// <summary>The passages of <paramref name="documents"/>, in order.</summary>
    private static string[] TextsOf(IReadOnlyList<Document> documents)
    {
        var texts = new string[documents.Sum(d => d.Parsed!.Passages.Count)];
        var t = 0;
        foreach (var d in documents)
        {
            foreach (var p in d.Parsed!.Passages)
            {
                texts[t++] = p.Text;
            }
        }
        return texts;
    }

    /// <summary>One labelled-passages file per document. Its segments point into the batch's encoders and the
    /// classifier's concept, which live until the batch is flushed.</summary>
    private async Task WriteAsync(Run run, ClassifierState state, IReadOnlyList<Document> documents, IReadOnlyList<IReadOnlyList<Span>> spans,
        CancellationToken cancellationToken)
    {
        var offset = 0;
        foreach (var d in documents)
        {
            var t = Stopwatch.GetTimestamp();
            var segments = d.Encoder!.Segments(spans, offset, state.ConceptMetadata);
            t = run.Phases.Add(Phase.Encode, t);
            await output.WriteAsync(InferenceLayout.PassagesKey(state.Classifier.WikibaseId, state.Classifier.ClassifierId, d.File.Id), segments, cancellationToken).ConfigureAwait(false);
            run.Phases.Add(Phase.Write, t);
            Interlocked.Increment(ref run.FilesWritten);
            var count = d.Parsed!.Passages.Count;
            var positives = 0;
            var spanCount = 0;
            for (var i = offset; i < offset + count; i++)
            {
                positives += spans[i].Count > 0 ? 1 : 0;
                spanCount += spans[i].Count;
            }
            d.Results[state] = new Result(spans, offset, count, positives);
            state.Add(count, positives, spanCount);
            offset += count;
        }
    }

    // The original refuses spans without labellers, or with timestamps that do not match them.
    private static void Validate(ClassifierState state, IReadOnlyList<IReadOnlyList<Span>> spans, int expected)
    {
        if (spans.Count != expected)
        {
            throw new KgException("InvalidPrediction", KgErrorKind.InvalidData,
                $"{state.Classifier} returned predictions for {spans.Count} passages, not {expected}.", state.Classifier.ToString());
        }
        for (var i = 0; i < spans.Count; i++)
        {
            var list = spans[i];
            for (var j = 0; j < list.Count; j++)
            {
                var span = list[j];
                if (span.Labellers.Count == 0 || span.Timestamps.Count != span.Labellers.Count)
                {
                    throw new KgException("InvalidPrediction", KgErrorKind.InvalidData,
                        $"{state.Classifier} predicted a span ({span.StartIndex}-{span.EndIndex}) with {span.Labellers.Count} labellers and {span.Timestamps.Count} timestamps; every span needs a labeller and one timestamp per labeller.",
                        state.Classifier.ToString());
                }
            }
        }
    }

    // ---------------------------------------------------------------- 3. record the document as done

    /// <summary>The document's aggregated file, or null when there is none to write.</summary>
    private async Task<byte[]?> RecordAsync(Run run, Document document, CancellationToken cancellationToken)
    {
        if (document.Failed || (document.NoOp && !document.Outdated))
        {
            return null;
        }
        if (document.Results.IsEmpty)
        {
            if (document.Done.Count > 0)
            {
                Interlocked.Increment(ref run.DocumentsUpToDate);
            }
        }
        else
        {
            Interlocked.Increment(ref run.DocumentsClassified);
            Interlocked.Add(ref run.Passages, document.Parsed!.Passages.Count);
        }
        // What the aggregated file lists, in spec order: the classifiers done before (with the registry version the
        // spec gives now), those that classified the document now, and earlier results kept (see Kept).
        var listed = document.Done.Select(d => (Order: d.State.Classifier.Entry, Entry: d.Previous with { RegistryVersion = d.State.Classifier.RegistryVersion }, Relabel: true))
            .Concat(document.Results.Select(r => (Order: r.Key.Classifier.Entry, Entry: r.Key.Describe(r.Value), Relabel: false)))
            .ToList();
        listed.AddRange(Kept(run, document, listed.Select(x => x.Entry.ClassifierId).ToHashSet(StringComparer.Ordinal)).Select(k => (k.Order, k.Entry, Relabel: false)));
        var entries = listed.OrderBy(x => x.Order).Select(x => x.Entry).ToArray();
        var unchanged = document.Results.IsEmpty && document.Previous is not null && entries.SequenceEqual(document.Previous.Classifiers);
        if (unchanged || (entries.Length == 0 && document.Previous is null && !document.Outdated))
        {
            return null;
        }
        if (document.PreviousJson is not null && !document.PreviousComplete)
        {
            // Earlier mentions may be kept: they are in the text blocks, after the header read so far.
            try
            {
                document.PreviousJson = await output.ReadAsync(InferenceLayout.AggregatedKey(document.File.Id), cancellationToken).ConfigureAwait(false);
                document.PreviousComplete = true;
            }
            catch (KgException e)
            {
                // This document is not recorded as done (its files are redone next time); the others go on.
                run.DocumentErrors.Enqueue(e);
                return null;
            }
        }
        var t = Stopwatch.GetTimestamp();
        var aggregated = Aggregate(run, document, entries, listed.Where(x => !document.Results.Keys.Any(k => k.Classifier.ClassifierId == x.Entry.ClassifierId))
            .ToDictionary(x => x.Entry.ClassifierId, x => x.Relabel ? x.Entry.RegistryVersion : null, StringComparer.Ordinal));
        var json = aggregated.ToJson();
        run.Phases.Add(Phase.Aggregate, t);
        return json;
    }

    /// <summary>Earlier results of this document that stay although nothing ran for them now: of classifiers that are
    /// in the spec but did not run (no GPU here, failed, or an entry that could not be resolved), unless the spec now
    /// keeps them off this document. Only results of classifiers gone from the spec, or now skipped, are dropped.</summary>
    private static IEnumerable<(int Order, AggregatedClassifier Entry)> Kept(Run run, Document document, IReadOnlySet<string> listed)
    {
        foreach (var previous in document.Previous?.Classifiers ?? [])
        {
            if (listed.Contains(previous.ClassifierId))
            {
                continue;
            }
            if (run.States.FirstOrDefault(s => s.Classifier.ClassifierId == previous.ClassifierId && s.Classifier.WikibaseId == previous.WikibaseId) is { } state)
            {
                if ((state.Error is not null || state.NotRunReason is not null) && !DocumentSource.ShouldSkip(document.File.Id, state.Classifier.DontRunOn))
                {
                    yield return (state.Classifier.Entry, previous);
                }
            }
            else if (run.Unresolved.FirstOrDefault(u => u.Spec.ClassifierId == previous.ClassifierId && u.Spec.WikibaseId == previous.WikibaseId) is { } entry
                && !DocumentSource.ShouldSkip(document.File.Id, entry.Spec.DontRunOn))
            {
                yield return (entry.Entry, previous);
            }
        }
    }

    /// <param name="kept">Classifiers whose earlier mentions stay, with the registry version to give them (null: as they are).</param>
    private static AggregatedDocument Aggregate(Run run, Document document, IReadOnlyList<AggregatedClassifier> entries, IReadOnlyDictionary<string, string?> kept)
    {
        var previous = document.PreviousJson is not null && kept.Count > 0 ? AggregatedDocument.Read(document.PreviousJson) : null;
        var order = document.Parsed is not null
            ? document.Parsed.Passages.Select(p => p.Id)
            : previous?.TextBlocks.Select(b => b.Key) ?? [];
        var blocks = new Dictionary<string, List<ConceptMention>>(StringComparer.Ordinal);
        var keys = new List<string>();
        foreach (var id in order)
        {
            if (!blocks.ContainsKey(id))
            {
                blocks[id] = [];
                keys.Add(id);
            }
        }
        foreach (var (block, mentions) in previous?.TextBlocks ?? [])
        {
            foreach (var m in mentions)
            {
                if (kept.TryGetValue(m.ClassifierId, out var registryVersion) && blocks.TryGetValue(block, out var list))
                {
                    list.Add(registryVersion is null ? m : m with { RegistryVersion = registryVersion });
                }
            }
        }
        foreach (var (state, result) in document.Results)
        {
            var concept = state.Loaded!.Concept;
            for (var i = 0; i < result.Count; i++)
            {
                var predicted = result.Spans[result.Offset + i];
                if (predicted.Count == 0)
                {
                    continue;
                }
                var list = blocks[document.Parsed!.Passages[i].Id];
                foreach (var span in predicted)
                {
                    list.Add(ConceptMention.From(span, concept, state.Classifier.ClassifierId, state.Classifier.RegistryVersion));
                }
            }
        }
        var position = entries.Select((e, i) => (e.ClassifierId, i)).ToDictionary(x => x.ClassifierId, x => x.i, StringComparer.Ordinal);
        return new AggregatedDocument
        {
            Header = new AggregatedHeader(document.File.Id, document.ContentSha256!, entries),
            TextBlocks = keys.Select(k => new KeyValuePair<string, IReadOnlyList<ConceptMention>>(k,
                blocks[k].OrderBy(m => position.GetValueOrDefault(m.ClassifierId, int.MaxValue)).ThenBy(m => m.Start).ThenBy(m => m.End).ToArray())).ToArray(),
        };
    }

    /// <summary>Progress after each batch, and after each classifier within a batch (learned models take long).</summary>
    private static void ReportProgress(Run run)
    {
        var seconds = Math.Max(run.Clock.Elapsed.TotalSeconds, 1e-3);
        var passages = Interlocked.Read(ref run.Passages);
        var done = run.Done + (run.Runnable.Length == 0 ? 0 : run.Batch * Volatile.Read(ref run.ClassifiersDone) / run.Runnable.Length);
        run.Progress?.Report(WorkProgress.Step("Classifying documents", done, run.Total, string.Create(CultureInfo.InvariantCulture,
            $"{run.Done:N0} of {run.Total:N0} documents done, {run.Done / seconds:N0} documents/s, {passages / seconds:N0} passages/s ({run.States.Sum(s => s.Passages) / seconds:N0} passage-classifications/s)")));
    }

    // ---------------------------------------------------------------- state

    private sealed class Run(string environment, ClassifierState[] states, IReadOnlyList<UnresolvedSpecEntry> unresolved, IProgress<WorkProgress>? progress)
    {
        public string Environment => environment;
        public ClassifierState[] States => states;
        public IReadOnlyList<UnresolvedSpecEntry> Unresolved => unresolved;
        public ClassifierState[] Runnable { get; } = states.Where(s => s.NotRunReason is null).ToArray();
        public IProgress<WorkProgress>? Progress => progress;
        public ConcurrentQueue<KgException> DocumentErrors { get; } = new();
        public Stopwatch Clock { get; } = Stopwatch.StartNew();
        public PhaseTimes Phases { get; } = new();
        /// <summary>The keyword classifiers screened together, once loaded (null before the first batch with work).</summary>
        public ClassifierState[]? Screened { get; set; }
        public KeywordScreen? Screen { get; set; }
        public int Total;
        public int Done;
        public int Batch;
        public int ClassifiersDone;
        public int DocumentsClassified;
        public int DocumentsUpToDate;
        public int DocumentsNoOp;
        public long Passages;
        public int FilesWritten;
    }

    /// <summary>The documents of a batch that have passages to classify, and all their texts (built once, on first use).</summary>
    private sealed class Batch(IReadOnlyList<Document> parsed)
    {
        public IReadOnlyList<Document> Parsed => parsed;
        public Lazy<string[]> Texts { get; } = new(() => parsed.SelectMany(d => d.Parsed!.Passages.Select(p => p.Text)).ToArray());
        /// <summary>Per screened keyword classifier, the indices in <see cref="Texts"/> it must look at.</summary>
        public Dictionary<ClassifierState, int[]> Candidates { get; } = [];
    }

    private sealed class Document(DocumentFile file)
    {
        public DocumentFile File => file;
        public string? ContentSha256 { get; set; }
        public AggregatedHeader? Previous { get; set; }
        public byte[]? PreviousJson { get; set; }
        /// <summary>Whether <see cref="PreviousJson"/> is the whole file, not only its start.</summary>
        public bool PreviousComplete { get; set; }
        public InferenceDocument? Parsed { get; set; }
        public LabelledPassageEncoder? Encoder { get; set; }
        public bool Failed { get; set; }
        public bool NoOp { get; set; }
        /// <summary>An aggregated file exists, but for other content (or unreadable): it must be replaced.</summary>
        public bool Outdated { get; set; }
        public List<ClassifierState> Pending { get; } = [];
        public List<(ClassifierState State, AggregatedClassifier Previous)> Done { get; } = [];
        public ConcurrentDictionary<ClassifierState, Result> Results { get; } = new();
    }

    private sealed record Result(IReadOnlyList<IReadOnlyList<Span>> Spans, int Offset, int Count, int Positives);

    private sealed class ClassifierState : IDisposable
    {
        private readonly InferenceOptions _options;
        public int Documents;
        public int UpToDate;
        public int Skipped;
        public int NoOp;
        public long Passages;
        public long PositivePassages;
        public long Spans;

        public ClassifierState(InferenceClassifier classifier, InferenceOptions options)
        {
            Classifier = classifier;
            _options = options;
            if (classifier.RequireGpu && !options.CudaAvailable && !options.AllowCpu)
            {
                NotRunReason = "it requires a GPU (compute_environment.gpu in the spec) and this machine has no CUDA device; -AllowCpu runs it on the CPU.";
            }
        }

        public InferenceClassifier Classifier { get; }
        public string? NotRunReason { get; }
        public KgException? Error { get; private set; }
        public IClassifier? Loaded { get; private set; }
        public byte[] ConceptMetadata { get; private set; } = [];
        /// <summary>How long the last batch took this classifier.</summary>
        public double LastSeconds { get; set; }

        private string Device => Classifier.RequireGpu ? (_options.CudaAvailable ? "Cuda" : "Cpu") : "Auto";

        public async Task<IClassifier> LoadAsync(InferenceClassifierLoader load, CancellationToken cancellationToken)
        {
            if (Loaded is null)
            {
                var classifier = await load(Classifier, Device, cancellationToken).ConfigureAwait(false);
                ConceptMetadata = LabelledPassageEncoder.ConceptMetadata(classifier);
                Loaded = classifier;
            }
            return Loaded;
        }

        public void Add(int passages, int positives, int spans)
        {
            Interlocked.Increment(ref Documents);
            Interlocked.Add(ref Passages, passages);
            Interlocked.Add(ref PositivePassages, positives);
            Interlocked.Add(ref Spans, spans);
        }

        public void Fail(KgException e) => Error ??= new KgException(e.ErrorId, e.Kind, $"{Classifier}: {e.Message}", Classifier.ToString(), e);

        public AggregatedClassifier Describe(Result result) => new()
        {
            WikibaseId = Classifier.WikibaseId,
            ClassifierId = Classifier.ClassifierId,
            RegistryVersion = Classifier.RegistryVersion,
            ModelVersion = Classifier.ModelVersion,
            ManifestSha256 = Classifier.Model.ManifestSha256,
            ClassifierName = Classifier.ClassifierName,
            Passages = result.Count,
            PositivePassages = result.Positives,
        };

        public InferenceClassifierRun ToRow(string environment, string location) => new()
        {
            Environment = environment,
            WikibaseId = Classifier.WikibaseId,
            ClassifierId = Classifier.ClassifierId,
            RegistryVersion = Classifier.RegistryVersion,
            ModelVersion = Classifier.ModelVersion,
            ClassifierName = Classifier.ClassifierName,
            Status = NotRunReason is not null ? InferenceStatus.NotRun
                : Error is not null ? InferenceStatus.Failed
                : Documents > 0 ? InferenceStatus.Ran
                : InferenceStatus.UpToDate,
            Documents = Documents,
            UpToDate = UpToDate,
            Skipped = Skipped,
            NoOp = NoOp,
            Passages = Passages,
            PositivePassages = PositivePassages,
            Spans = Spans,
            Device = Loaded is null ? null : Loaded is WorkerClassifier w ? w.Device : "process",
            DontRunOn = Classifier.DontRunOn,
            RequireGpu = Classifier.RequireGpu,
            Reason = NotRunReason ?? Error?.Message,
            Output = location,
        };

        public void Dispose() => (Loaded as IDisposable)?.Dispose();
    }
}

/// <summary>Where a run's time goes: thread time per phase, summed over the threads (so with two threads the sum can
/// exceed the wall time). For the benchmark's breakdown and -Verbose.</summary>
public enum Phase
{
    /// <summary>Reading the document files.</summary>
    Read,
    /// <summary>SHA-256 of each document's content.</summary>
    Hash,
    /// <summary>Reading what is recorded as done (the aggregated files' headers).</summary>
    UpToDateCheck,
    /// <summary>Parsing the documents into passages.</summary>
    Parse,
    /// <summary>Finding which passages each keyword classifier must look at (<see cref="KeywordScreen"/>).</summary>
    Screen,
    /// <summary>The classifiers' predictions.</summary>
    Match,
    /// <summary>Encoding the labelled-passages files.</summary>
    Encode,
    /// <summary>Building and encoding the aggregated files.</summary>
    Aggregate,
    /// <summary>Writing files (temporary file + rename).</summary>
    Write,
}

internal sealed class PhaseTimes
{
    private readonly long[] _ticks = new long[Enum.GetValues<Phase>().Length];

    /// <summary>Adds the time since <paramref name="start"/> (a <see cref="Stopwatch.GetTimestamp"/>) and returns now.</summary>
    public long Add(Phase phase, long start)
    {
        var now = Stopwatch.GetTimestamp();
        Interlocked.Add(ref _ticks[(int)phase], now - start);
        return now;
    }

    public IReadOnlyDictionary<Phase, TimeSpan> ToSeconds() =>
        Enum.GetValues<Phase>().ToDictionary(p => p, p => Stopwatch.GetElapsedTime(0, Volatile.Read(ref _ticks[(int)p])));
}
