using System.Text;
using System.Text.Json;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.Inference;
using KnowledgeGraph.Models;
using KnowledgeGraph.Specs;
using KnowledgeGraph.Storage;
using Xunit;

namespace KnowledgeGraph.Tests;

/// <summary>The inference run over real files, with classifiers given directly (the spec resolution is tested in
/// <see cref="InferenceSpecTests"/>).</summary>
public class InferenceRunnerTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempFolder _folder = new();
    private readonly string _docs;
    private readonly string _out;
    private readonly Dictionary<string, IClassifier> _models = new(StringComparer.Ordinal);
    private readonly List<(string Classifier, string Device)> _loads = [];

    public InferenceRunnerTests()
    {
        _docs = Directory.CreateDirectory(Path.Combine(_folder.Path, "docs")).FullName;
        _out = Path.Combine(_folder.Path, "out");
    }

    public void Dispose() => _folder.Dispose();

    private static readonly Concept Forests = new("forest", ["woodland", "timber"], wikibaseId: "Q787", subconceptOf: ["Q10"]);
    private static readonly Concept Water = new("water", ["rivers"], wikibaseId: "Q20");

    /// <summary>A resolved spec entry for <paramref name="classifier"/>, as InferenceSpec would make it.</summary>
    private InferenceClassifier Entry(int entry, IClassifier classifier, string registryVersion = "v0", IReadOnlyList<string>? dontRunOn = null, bool gpu = false,
        int modelVersion = 0)
    {
        var q = classifier.Concept.WikibaseId!;
        _models[classifier.Id] = classifier;
        var manifest = new ModelManifest
        {
            WikibaseId = q,
            ClassifierId = classifier.Id,
            Version = new ModelVersion(modelVersion),
            CreatedAt = DateTimeOffset.UnixEpoch,
            CreatedBy = Actor.Current,
            Metadata = new ModelMetadata { AwsEnv = "sandbox", ClassifierName = classifier.Name, ConceptId = classifier.Concept.Id },
            Files = [new ModelFile("model.json", new string('a', 64), 1, "application/json")],
        };
        return new InferenceClassifier
        {
            Spec = new ClassifierSpec { WikibaseId = q, ClassifierId = classifier.Id, RegistryVersion = registryVersion, DontRunOn = dontRunOn, RequireGpu = gpu ? true : null },
            Entry = entry,
            Model = new StoredModelVersion(manifest, ModelManifest.Sha256Hex(manifest.ToJson()), KgEnvironment.Sandbox, StoreLocation.Local(_folder.Path)),
        };
    }

    private Task<IClassifier> Load(InferenceClassifier c, string device, CancellationToken _)
    {
        lock (_loads) _loads.Add((c.ClassifierId, device));
        return Task.FromResult(_models[c.ClassifierId]);
    }

    private Task<InferenceRunSummary> Run(IReadOnlyList<InferenceClassifier> classifiers, InferenceOptions? options = null, IInferenceOutput? output = null,
        IProgress<WorkProgress>? progress = null)
    {
        var files = DocumentFiles.Expand([_docs], recurse: false).Files;
        return new InferenceRunner(output ?? new FolderInferenceOutput(_out), Load, options ?? new InferenceOptions()).RunAsync("sandbox", classifiers, files, progress, None);
    }

    private void Document(string id, params string[] blocks) =>
        File.WriteAllText(Path.Combine(_docs, id + ".json"), JsonSerializer.Serialize(new
        {
            document_id = id,
            document_name = "",
            document_content_type = "text/html",
            html_data = new { has_valid_text = true, text_blocks = blocks.Select((b, i) => new { text = new[] { b }, text_block_id = $"p_0_b_{i}", type = "Text", type_confidence = 1 }) },
        }));

    private void ThreeDocuments()
    {
        Document("CPR.document.1", "The forest is dense.", "Clean water.");
        Document("GEF.document.2", "Timber exports and rivers.", "Nothing here.");
        Document("Sabin.document.3", "Woodland and water.");
    }

    private string OutFile(string key) => Path.Combine(_out, key.Replace('/', Path.DirectorySeparatorChar));

    private Dictionary<string, DateTime> Stamps() => Directory.EnumerateFiles(_out, "*", SearchOption.AllDirectories)
        .ToDictionary(f => f, File.GetLastWriteTimeUtc);

    [Fact]
    public async Task Every_classifier_writes_one_file_per_document_and_each_document_one_aggregated_file()
    {
        ThreeDocuments();
        var forests = new KeywordClassifier(Forests);
        var water = new KeywordClassifier(Water);
        var summary = await Run([Entry(1, forests), Entry(2, water, dontRunOn: ["sabin"])]);

        Assert.Equal(3, summary.Documents);
        Assert.Equal(3, summary.DocumentsClassified);
        Assert.Equal(5, summary.Passages);
        Assert.Equal(5 + 4, summary.Classifications);
        Assert.Equal(3 + 2 + 3, summary.FilesWritten);
        var rows = summary.Classifiers;
        Assert.Equal([InferenceStatus.Ran, InferenceStatus.Ran], rows.Select(r => r.Status));
        Assert.Equal([3, 2], rows.Select(r => r.Documents));
        Assert.Equal([0, 1], rows.Select(r => r.Skipped));
        Assert.Equal(["process", "process"], rows.Select(r => r.Device));
        Assert.False(File.Exists(OutFile(InferenceLayout.PassagesKey("Q20", water.Id, "Sabin.document.3"))));

        // The original's format: one passage per text block, id = text_block_id, the concept only on positive passages.
        var passages = PassageFile.Read(OutFile(InferenceLayout.PassagesKey("Q787", forests.Id, "GEF.document.2")));
        Assert.Equal(["p_0_b_0", "p_0_b_1"], passages.Select(p => p.Id));
        Assert.Equal(["Timber"], passages[0].Spans.Select(s => s.LabelledText));
        Assert.Equal(["KeywordClassifier(\"forest\")"], passages[0].Spans[0].Labellers);
        var concept = Assert.IsAssignableFrom<IDictionary<string, object?>>(passages[0].Metadata["concept"]);
        Assert.Equal("Q787", concept["wikibase_id"]);
        Assert.Equal(new List<object?>(), concept["labelled_passages"]);
        Assert.Empty(passages[1].Metadata);

        var aggregated = AggregatedDocument.Read(File.ReadAllBytes(OutFile(InferenceLayout.AggregatedKey("Sabin.document.3"))))!;
        Assert.Equal(["Q787"], aggregated.Header.Classifiers.Select(c => c.WikibaseId));   // water skipped sabin
        var mention = Assert.Single(aggregated.TextBlocks.Single().Value);
        Assert.Equal(("Q787", "forest", forests.Id, "v0", "Woodland", 0, 8), (mention.WikibaseId, mention.Name, mention.ClassifierId, mention.RegistryVersion, mention.LabelledText, mention.Start, mention.End));
        Assert.Equal(["Q10"], mention.ParentConcepts);
        var gef = AggregatedDocument.Read(File.ReadAllBytes(OutFile(InferenceLayout.AggregatedKey("GEF.document.2"))))!;
        Assert.Equal(["Timber", "rivers"], gef.TextBlocks[0].Value.Select(m => m.LabelledText));   // spec order within a block
        Assert.Empty(gef.TextBlocks[1].Value);
    }

    [Fact]
    public async Task A_rerun_writes_nothing_and_force_rewrites_everything()
    {
        ThreeDocuments();
        var entries = new[] { Entry(1, new KeywordClassifier(Forests)), Entry(2, new KeywordClassifier(Water), dontRunOn: ["sabin"]) };
        await Run(entries);
        var before = Stamps();
        Thread.Sleep(20);

        var again = await Run(entries);
        Assert.Equal(0, again.FilesWritten);
        Assert.Equal(0, again.Classifications);
        Assert.Equal(3, again.DocumentsUpToDate);
        Assert.Equal([InferenceStatus.UpToDate, InferenceStatus.UpToDate], again.Classifiers.Select(r => r.Status));
        Assert.Equal([3, 2], again.Classifiers.Select(r => r.UpToDate));
        Assert.Equal(before, Stamps());

        var forced = await Run(entries, new InferenceOptions { Force = true });
        Assert.Equal(8, forced.FilesWritten);
        Assert.All(Stamps(), kv => Assert.True(kv.Value > before[kv.Key], $"{kv.Key} was not rewritten"));
    }

    [Fact]
    public async Task Only_what_changed_is_redone_a_new_classifier_a_changed_document_a_new_registry_version()
    {
        ThreeDocuments();
        var forests = Entry(1, new KeywordClassifier(Forests));
        await Run([forests]);

        var water = Entry(2, new KeywordClassifier(Water));
        var added = await Run([forests, water]);
        Assert.Equal(3 + 3, added.FilesWritten);                       // water's files, and the aggregates
        Assert.Equal([0, 3], added.Classifiers.Select(r => r.Documents));

        Document("GEF.document.2", "A new forest.");
        var changed = await Run([forests, water]);
        Assert.Equal([1, 1], changed.Classifiers.Select(r => r.Documents));
        Assert.Equal(3, changed.FilesWritten);

        var repromoted = Entry(1, new KeywordClassifier(Forests), registryVersion: "v1");
        var relabelled = await Run([repromoted, water]);
        Assert.Equal(0, relabelled.Classifications);                   // same model version: nothing to classify again
        Assert.Equal(3, relabelled.FilesWritten);                      // but the aggregates name the new registry version
        var aggregated = AggregatedDocument.Read(File.ReadAllBytes(OutFile(InferenceLayout.AggregatedKey("CPR.document.1"))))!;
        Assert.Equal(["v1", "v0"], aggregated.Header.Classifiers.Select(c => c.RegistryVersion));
        Assert.Equal("v1", aggregated.TextBlocks[0].Value.Single().RegistryVersion);

        var retrained = Entry(1, new KeywordClassifier(Forests), registryVersion: "v2", modelVersion: 1);
        Assert.Equal([3, 0], (await Run([retrained, water])).Classifiers.Select(r => r.Documents));   // a new model version runs again
    }

    [Fact]
    public async Task A_dont_run_on_added_later_drops_the_classifier_from_that_documents_aggregate()
    {
        ThreeDocuments();
        var water = new KeywordClassifier(Water);
        await Run([Entry(1, water)]);
        var key = OutFile(InferenceLayout.AggregatedKey("Sabin.document.3"));
        Assert.Single(AggregatedDocument.Read(File.ReadAllBytes(key))!.Header.Classifiers);

        var summary = await Run([Entry(1, water, dontRunOn: ["sabin"])]);
        Assert.Equal(1, summary.Classifiers.Single().Skipped);
        Assert.Equal(1, summary.FilesWritten);
        var aggregated = AggregatedDocument.Read(File.ReadAllBytes(key))!;
        Assert.Empty(aggregated.Header.Classifiers);
        Assert.All(aggregated.TextBlocks, b => Assert.Empty(b.Value));
    }

    [Fact]
    public async Task Gpu_classifiers_are_not_run_without_a_gpu_unless_allowed_on_the_cpu()
    {
        ThreeDocuments();
        var forests = Entry(1, new KeywordClassifier(Forests));
        var water = Entry(2, new KeywordClassifier(Water), gpu: true);
        var warnings = new List<string>();
        var summary = await Run([forests, water], progress: new Sink(p => { if (p.Warning is { } w) lock (warnings) warnings.Add(w); }));
        var row = summary.Classifiers[1];
        Assert.Equal(InferenceStatus.NotRun, row.Status);
        Assert.Contains("GPU", row.Reason);
        Assert.Equal(0, row.Documents);
        Assert.Contains(warnings, w => w.Contains(water.ToString(), StringComparison.Ordinal) && w.Contains("-AllowCpu", StringComparison.Ordinal));
        Assert.DoesNotContain(_loads, l => l.Classifier == water.ClassifierId);
        Assert.False(Directory.Exists(Path.Combine(_out, "labelled_passages", "Q20")));

        var allowed = await Run([forests, water], new InferenceOptions { AllowCpu = true });
        Assert.Equal([0, 3], allowed.Classifiers.Select(r => r.Documents));
        Assert.Contains((water.ClassifierId, "Cpu"), _loads);

        var withoutGpu = await Run([forests, water]);
        Assert.Equal(0, withoutGpu.FilesWritten);   // what -AllowCpu did stays: same model version, same documents
        Assert.Equal((InferenceStatus.NotRun, 3), (withoutGpu.Classifiers[1].Status, withoutGpu.Classifiers[1].UpToDate));

        await Run([forests, water], new InferenceOptions { CudaAvailable = true, Force = true });
        Assert.Contains((water.ClassifierId, "Cuda"), _loads);
        Assert.Contains((forests.ClassifierId, "Auto"), _loads);
    }

    [Fact]
    public async Task A_document_that_is_not_json_is_reported_and_the_others_are_done()
    {
        ThreeDocuments();
        File.WriteAllText(Path.Combine(_docs, "Broken.doc.json"), "not json at all");
        var summary = await Run([Entry(1, new KeywordClassifier(Forests))]);
        var error = Assert.Single(summary.DocumentErrors);
        Assert.Equal("InvalidDocument", error.ErrorId);
        Assert.Contains("Broken.doc.json", error.Message);
        Assert.Equal(3, summary.DocumentsClassified);
        Assert.False(File.Exists(OutFile(InferenceLayout.AggregatedKey("Broken.doc"))));
    }

    [Fact]
    public async Task Documents_that_are_not_english_are_counted_as_no_ops_and_nothing_is_written_for_them()
    {
        File.WriteAllText(Path.Combine(_docs, "CPR.fr.json"), """{"document_id": "x", "languages": ["fr"], "html_data": {"has_valid_text": true, "text_blocks": [{"text": ["forest"], "text_block_id": "b", "type": "Text", "type_confidence": 1}]}}""");
        var messages = new List<string>();
        var summary = await Run([Entry(1, new KeywordClassifier(Forests))], progress: new Sink(p => { if (p.Verbose is { } v) lock (messages) messages.Add(v); }));
        Assert.Equal(1, summary.DocumentsNoOp);
        Assert.Equal(1, summary.Classifiers.Single().NoOp);
        Assert.Equal(0, summary.FilesWritten);
        Assert.Contains(messages, m => m.Contains("CPR.fr", StringComparison.Ordinal) && m.Contains("not English", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Skips_are_named_when_asked()
    {
        ThreeDocuments();
        var messages = new List<string>();
        await Run([Entry(1, new KeywordClassifier(Water), dontRunOn: ["sabin", "gef"])], new InferenceOptions { ReportSkips = true },
            progress: new Sink(p => { if (p.Verbose is { } v) lock (messages) messages.Add(v); }));
        Assert.Equal(2, messages.Count(m => m.StartsWith("Skipped ", StringComparison.Ordinal) && m.Contains("dont_run_on", StringComparison.Ordinal)));
        Assert.Contains(messages, m => m.Contains("Sabin.document.3", StringComparison.Ordinal) && m.Contains("'sabin'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failing_classifier_stops_alone_and_its_documents_are_not_recorded_as_done()
    {
        ThreeDocuments();
        var good = Entry(1, new KeywordClassifier(Forests));
        var bad = Entry(2, new Failing(new KeywordClassifier(Water)));
        var summary = await Run([good, bad]);
        Assert.Equal([InferenceStatus.Ran, InferenceStatus.Failed], summary.Classifiers.Select(r => r.Status));
        Assert.Equal("WorkerFailed", Assert.Single(summary.ClassifierErrors).ErrorId);
        var aggregated = AggregatedDocument.Read(File.ReadAllBytes(OutFile(InferenceLayout.AggregatedKey("CPR.document.1"))))!;
        Assert.Equal([good.ClassifierId], aggregated.Header.Classifiers.Select(c => c.ClassifierId));

        _models[bad.ClassifierId] = new KeywordClassifier(Water);   // fixed: the rerun does only what is missing
        var rerun = await Run([good, bad]);
        Assert.Equal([0, 3], rerun.Classifiers.Select(r => r.Documents));
    }

    [Fact]
    public async Task Earlier_results_stay_for_entries_that_cannot_run_now_and_go_with_entries_removed_from_the_spec()
    {
        ThreeDocuments();
        var forests = Entry(1, new KeywordClassifier(Forests));
        var water = Entry(2, new KeywordClassifier(Water));
        await Run([forests, water]);
        var key = OutFile(InferenceLayout.AggregatedKey("GEF.document.2"));
        var before = File.ReadAllBytes(key);

        // The water entry cannot be resolved this time (say its model version went missing): its results stay.
        var unresolved = new UnresolvedSpecEntry(2, water.Spec, new KgException("ModelVersionNotFound", KgErrorKind.ObjectNotFound, "missing"));
        var files = DocumentFiles.Expand([_docs], recurse: false).Files;
        var kept = await new InferenceRunner(new FolderInferenceOutput(_out), Load, new InferenceOptions()).RunAsync("sandbox", [forests], files, null, None, [unresolved]);
        Assert.Equal(0, kept.FilesWritten);
        Assert.Equal(before, File.ReadAllBytes(key));

        // A failing classifier keeps its earlier results too, even when asked to redo everything.
        _models[water.ClassifierId] = new Failing(new KeywordClassifier(Water));
        var forced = await Run([forests, water], new InferenceOptions { Force = true });
        Assert.Equal(InferenceStatus.Failed, forced.Classifiers[1].Status);
        Assert.Equal(["Q787", "Q20"], AggregatedDocument.Read(File.ReadAllBytes(key))!.Header.Classifiers.Select(c => c.WikibaseId));
        Assert.Equal(["Timber", "rivers"], AggregatedDocument.Read(File.ReadAllBytes(key))!.TextBlocks[0].Value.Select(m => m.LabelledText));

        // Removed from the spec: gone from the aggregated results at the next run.
        var removed = await Run([forests]);
        Assert.Equal(3, removed.FilesWritten);
        Assert.Equal(["Q787"], AggregatedDocument.Read(File.ReadAllBytes(key))!.Header.Classifiers.Select(c => c.WikibaseId));
        Assert.Equal(["Timber"], AggregatedDocument.Read(File.ReadAllBytes(key))!.TextBlocks[0].Value.Select(m => m.LabelledText));
    }

    /// <summary>A rerun reads only the start of each aggregated file (its header); where earlier mentions must be kept,
    /// it reads the whole file, however long.</summary>
    [Fact]
    public async Task Earlier_results_are_kept_from_an_aggregated_file_longer_than_the_header_read()
    {
        Document("CPR.document.1", Enumerable.Range(0, 600).Select(i => $"Block {i}: timber from the forest and water from rivers.").ToArray());
        var forests = Entry(1, new KeywordClassifier(Forests));
        var water = Entry(2, new KeywordClassifier(Water));
        await Run([forests, water]);
        var key = OutFile(InferenceLayout.AggregatedKey("CPR.document.1"));
        Assert.True(new FileInfo(key).Length > 64 << 10, "the aggregated file is longer than the header read");

        var upToDate = await Run([forests, water]);
        Assert.Equal(0, upToDate.FilesWritten);
        Assert.Equal(1, upToDate.DocumentsUpToDate);

        _models[water.ClassifierId] = new Failing(new KeywordClassifier(Water));
        await Run([forests, water], new InferenceOptions { Force = true });
        var blocks = AggregatedDocument.Read(File.ReadAllBytes(key))!.TextBlocks;
        Assert.Equal(600, blocks.Count);
        Assert.All(blocks, b => Assert.Equal(["timber", "forest", "water", "rivers"], b.Value.Select(m => m.LabelledText)));
    }

    [Fact]
    public async Task A_run_that_stopped_before_recording_a_document_redoes_it_and_only_it()
    {
        ThreeDocuments();
        var entries = new[] { Entry(1, new KeywordClassifier(Forests)), Entry(2, new KeywordClassifier(Water)) };
        await Run(entries);
        File.Delete(OutFile(InferenceLayout.AggregatedKey("GEF.document.2")));   // as if killed before recording it
        var rerun = await Run(entries);
        Assert.Equal([1, 1], rerun.Classifiers.Select(r => r.Documents));
        Assert.Equal(2, rerun.DocumentsUpToDate);
        Assert.Equal(3, rerun.FilesWritten);
    }

    [Fact]
    public async Task Chunks_split_the_documents_between_runs_without_overlap()
    {
        for (var i = 0; i < 40; i++)
        {
            Document($"CPR.doc.{i}", "forest " + i);
        }
        var entries = new[] { Entry(1, new KeywordClassifier(Forests)) };
        var first = await Run(entries, new InferenceOptions { ChunkIndex = 0, ChunkCount = 3 });
        var second = await Run(entries, new InferenceOptions { ChunkIndex = 1, ChunkCount = 3 });
        var third = await Run(entries, new InferenceOptions { ChunkIndex = 2, ChunkCount = 3 });
        Assert.Equal(40, first.Documents + second.Documents + third.Documents);
        Assert.All(new[] { first, second, third }, s => Assert.InRange(s.Documents, 5, 25));
        Assert.Equal(40, Directory.GetFiles(Path.Combine(_out, "aggregated")).Length);
        Assert.Equal(0, (await Run(entries)).FilesWritten);   // together they did everything
        await Assert.ThrowsAsync<KgException>(() => Run(entries, new InferenceOptions { ChunkIndex = 3, ChunkCount = 3 }));
    }

    [Fact]
    public async Task Memory_is_bounded_by_the_batch_and_every_batch_is_recorded_before_the_next()
    {
        for (var i = 0; i < 30; i++)
        {
            Document($"CPR.doc.{i:D2}", "forest");
        }
        var recorded = new List<int>();
        var output = new CountingOutput(new FolderInferenceOutput(_out), recorded);
        await Run([Entry(1, new KeywordClassifier(Forests))], new InferenceOptions { BatchDocuments = 7 }, output);
        Assert.Equal([7, 7, 7, 7, 2], recorded);   // aggregated files written per batch, once that batch's other files are flushed
    }

    [Fact]
    public async Task Progress_shows_documents_and_passages_per_second()
    {
        ThreeDocuments();
        var steps = new List<WorkProgress>();
        await Run([Entry(1, new KeywordClassifier(Forests)), Entry(2, new KeywordClassifier(Water))], new InferenceOptions { BatchDocuments = 2 },
            progress: new Sink(p => { if (p.Status is not null) lock (steps) steps.Add(p); }));
        Assert.True(steps.Count >= 2 * 2 + 2, $"{steps.Count} progress reports");   // after each classifier of each batch, and each batch
        Assert.All(steps, p => Assert.Matches(@"documents/s, [\d,]+ passages/s \([\d,]+ passage-classifications/s\)", p.Detail));
        Assert.Equal((3, 3), (steps[^1].Done, steps[^1].Total));
        Assert.Contains("3 of 3 documents done", steps[^1].Detail);
    }

    [Fact]
    public async Task Results_can_be_read_back_by_document_and_concept()
    {
        ThreeDocuments();
        var forests = new KeywordClassifier(Forests);
        await Run([Entry(1, forests), Entry(2, new KeywordClassifier(Water), dontRunOn: ["sabin"])]);
        var all = await InferenceResultReader.ReadAsync(new FolderInferenceOutput(_out), _ => true, null, null, None);
        Assert.Equal(["CPR.document.1", "CPR.document.1", "GEF.document.2", "GEF.document.2", "Sabin.document.3"], all.Select(r => r.DocumentId));
        Assert.Equal(["forest", "water", "Timber", "rivers", "Woodland"], all.Select(r => r.LabelledText));
        var sabin = await InferenceResultReader.ReadAsync(new FolderInferenceOutput(_out), id => id.StartsWith("Sabin", StringComparison.Ordinal), ["Q787"], null, None);
        var row = Assert.Single(sabin);
        Assert.Equal(("Sabin.document.3", "p_0_b_0", "Q787", "forest", forests.Id, "v0", "sabin"), (row.DocumentId, row.TextBlockId, row.WikibaseId, row.ConceptName, row.ClassifierId, row.RegistryVersion, row.Source));
    }

    /// <summary>The keyword-conformance documents (the original's inference output, in the legacy format) run through
    /// the whole pipeline as passage files give the original's passages, IDs and spans: 1,142 of 1,142.</summary>
    [Fact]
    public async Task The_pipeline_reproduces_the_originals_inference_output_on_the_conformance_set()
    {
        var root = SharedData.PathOf("keyword-conformance");
        var compared = 0;
        foreach (var folder in Directory.GetDirectories(root).SelectMany(Directory.GetDirectories))
        {
            var expected = Directory.GetFiles(folder, "*.json").ToDictionary(f => Path.GetFileNameWithoutExtension(f), PassageFile.Read, StringComparer.Ordinal);
            // Each document was classified with the concept its positive passages carry (one document of the set with
            // another concept's); documents without positives are run with the folder's usual concept.
            static string? ConceptOf(IReadOnlyList<LabelledPassage> passages) =>
                passages.Select(p => p.Metadata.TryGetValue("concept", out var c) ? c : null).Where(c => c is not null).Select(c => JsonSerializer.Serialize(c)).FirstOrDefault();
            var usual = expected.Values.Select(ConceptOf).OfType<string>().GroupBy(c => c).OrderByDescending(g => g.Count()).First().Key;
            foreach (var group in expected.GroupBy(kv => ConceptOf(kv.Value) ?? usual))
            {
                var classifier = new KeywordClassifier(ConceptJson.ReadConcept(group.Key, folder));
                foreach (var f in Directory.GetFiles(_docs)) File.Delete(f);
                foreach (var (document, _) in group) File.Copy(Path.Combine(folder, document + ".json"), Path.Combine(_docs, document + ".json"));
                await Run([Entry(1, classifier)]);
                foreach (var (document, passages) in group)
                {
                    var actual = PassageFile.Read(OutFile(InferenceLayout.PassagesKey(classifier.Concept.WikibaseId!, classifier.Id, document)));
                    Assert.Equal(passages.Select(p => (p.Id, p.Text)), actual.Select(p => (p.Id, p.Text)));
                    Assert.Equal(passages.Select(p => string.Join(";", p.Spans.Select(s => (s.StartIndex, s.EndIndex)).Order())),
                        actual.Select(p => string.Join(";", p.Spans.Select(s => (s.StartIndex, s.EndIndex)).Order())));
                    Assert.Equal(passages.Select(p => p.Spans.Count > 0), actual.Select(p => p.Metadata.ContainsKey("concept")));
                    compared += actual.Count;
                }
            }
        }
        Assert.Equal(1142, compared);
    }

    [Fact]
    public async Task The_encoder_writes_the_bytes_of_the_passage_writer()
    {
        Document("CPR.document.1", "The forest \"quoted\" — and timber\u00a0ok.", "No match, ünïcode 🌲.", "woodland");
        var classifier = new KeywordClassifier(Forests);
        await Run([Entry(1, classifier)]);
        var written = File.ReadAllText(OutFile(InferenceLayout.PassagesKey("Q787", classifier.Id, "CPR.document.1")));
        var passages = PassageFile.Parse(written, "written");
        var concept = JsonSerializer.Deserialize<JsonElement>(Encoding.UTF8.GetString(LabelledPassageEncoder.ConceptMetadata(classifier)));
        var expected = PassageFile.Format(passages.Select(p => new LabelledPassage(p.Text, p.Spans, p.Id,
            p.Spans.Count > 0 ? new Dictionary<string, object?> { ["concept"] = Text.JsonValues.ToObject(concept) } : null)), PassageFileFormat.Jsonl);
        Assert.Equal(expected, written);
        Assert.Equal([2, 0, 1], passages.Select(p => p.Spans.Count));
    }

    private sealed class Sink(Action<WorkProgress> report) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value) => report(value);
    }

    private sealed class Failing(IClassifier inner) : IClassifier
    {
        public string Name => inner.Name;
        public string Id => inner.Id + "x";
        public Concept Concept => inner.Concept;
        public IReadOnlyList<IReadOnlyList<Span>> Predict(IReadOnlyList<string> texts) =>
            throw new KgException("WorkerFailed", KgErrorKind.InvalidOperation, "The worker stopped.");
    }

    /// <summary>Counts the aggregated files written between flushes, and fails on one written while labelled-passages
    /// files wait for a flush.</summary>
    private sealed class CountingOutput(IInferenceOutput inner, List<int> recorded) : IInferenceOutput
    {
        private int _aggregates;
        private bool _passagesSinceFlush;
        public string Location => inner.Location;
        public int Parallelism => inner.Parallelism;
        public Task<byte[]?> ReadAsync(string key, CancellationToken cancellationToken) => inner.ReadAsync(key, cancellationToken);
        public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);

        public ValueTask WriteAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            lock (recorded)
            {
                if (key.StartsWith(InferenceLayout.AggregatedPrefix, StringComparison.Ordinal))
                {
                    Assert.False(_passagesSinceFlush, "an aggregated file was written before the passages were flushed");
                    _aggregates++;
                }
                else
                {
                    _passagesSinceFlush = true;
                }
            }
            return inner.WriteAsync(key, data, cancellationToken);
        }

        public Task FlushAsync(CancellationToken cancellationToken)
        {
            lock (recorded)
            {
                if (_aggregates > 0)
                {
                    recorded.Add(_aggregates);
                }
                _aggregates = 0;
                _passagesSinceFlush = false;
            }
            return inner.FlushAsync(cancellationToken);
        }
    }
}
