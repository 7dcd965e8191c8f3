using System.IO.Compression;
using System.Text;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Configuration;
using KnowledgeGraph.Corpus;
using KnowledgeGraph.Text;
using Xunit;

namespace KnowledgeGraph.Tests;

/// <summary>Tests that measure the whole process (GC.GetTotalMemory): they run when no other test class does, or the
/// objects of tests running beside them are counted too (a sampling test saw 8.2 MB "kept" that way).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessMeasurements
{
    public const string Name = "Process-wide measurements";
}

[Collection(ProcessMeasurements.Name)]
public sealed class CorpusTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kg-corpus-test-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string content, bool gzip = false)
    {
        var path = Path.Combine(_folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (gzip)
        {
            using var file = File.Create(path);
            using var gz = new GZipStream(file, CompressionLevel.Fastest);
            gz.Write(Encoding.UTF8.GetBytes(content));
        }
        else
        {
            File.WriteAllText(path, content);
        }
        return path;
    }

    private static Concept Forestry() => new("forestry sector", ["timber", "logging"], wikibaseId: "Q787", labelledPassages:
    [
        Positive("doc1", "Sustainable forest management is a priority.", "forest management"),
        Positive("doc2", "The forests of the north were cut.", "forests"),
        Positive("doc3", "Illegal logging of forests continues.", "forests"),
        Positive("doc4", "Agroforestry helps farmers.", "Agroforestry"),
        Positive("doc5", "Agroforestry and orchards.", "Agroforestry"),
        Positive("doc6", "The forest was protected.", "forest"),
        Positive("doc7", "A forest fire burned.", "forest"),
    ]);

    private static LabelledPassage Positive(string doc, string text, string span)
    {
        var start = text.IndexOf(span, StringComparison.Ordinal);
        return new LabelledPassage(text, [new Span(text, start, start + span.Length, "Q787", ["a"], ["2026-01-01T00:00:00"])], null,
            new Dictionary<string, object?> { ["document_id"] = doc });
    }

    [Fact]
    public void Every_format_is_read_streaming_with_ids_and_documents()
    {
        var jsonl = Write("a.jsonl", "{\"text\":\"Solar power\",\"id\":\"p1\",\"document_id\":\"d1\"}\n\n{\"text\":\"Wind\",\"spans\":[],\"metadata\":{\"document_id\":\"d2\"}}\n");
        var gz = Write("b.jsonl.gz", "{\"text\":\"Hydro\"}\n", gzip: true);
        var feed = Write("c.json", "[{\"id\":\"id:doc_search:document_passage::CCLW.1.2.7\",\"fields\":{\"text_block\":\"A table cell\",\"family_document_ref\":\"id:doc_search:family_document::CCLW.1.2\"}},{\"text\":\"Plain item\"}]");
        var txt = Write("d.txt", "first line\n\n  second line  \n");
        var reader = new CorpusReader();
        var passages = reader.Read(CorpusReader.ResolveFiles([jsonl, gz, feed, txt]), TestContext.Current.CancellationToken).ToList();
        Assert.Equal(["Solar power", "Wind", "Hydro", "A table cell", "Plain item", "first line", "second line"], passages.Select(p => p.Text));
        Assert.Equal(("p1", "d1"), (passages[0].Id, passages[0].DocumentId));
        Assert.Equal("d2", passages[1].DocumentId);
        Assert.Equal(("CCLW.1.2.7", "CCLW.1.2"), (passages[3].Id, passages[3].DocumentId));
        Assert.Equal("d.txt", passages[5].DocumentId);
        Assert.Equal(4, reader.Files.Count);
        Assert.All(reader.Files, f => Assert.Equal(64, f.Sha256.Length));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(gz))), reader.Files[1].Sha256); // the bytes as stored
        Assert.Equal(0, reader.ProblemCount);
    }

    [Fact]
    public void A_folder_is_read_recursively_in_path_order_and_other_files_are_skipped()
    {
        Write("corpus/b.txt", "second\n");
        Write("corpus/sub/a.jsonl", "{\"text\":\"third\"}\n");
        Write("corpus/a.txt", "first\n");
        Write("corpus/README.md", "not a corpus file");
        var files = CorpusReader.ResolveFiles([Path.Combine(_folder, "corpus")]);
        Assert.Equal(["a.txt", "b.txt", "a.jsonl"], files.Select(Path.GetFileName));
        Assert.Equal(["first", "second", "third"], new CorpusReader().Read(files, TestContext.Current.CancellationToken).Select(p => p.Text));
    }

    [Fact]
    public void Malformed_lines_are_reported_with_file_and_line_and_skipped()
    {
        var path = Write("bad.jsonl", "{\"text\":\"good\"}\nnot json\n{\"id\":\"no text\"}\n{\"text\":42}\n[1]\n{\"text\":\"also good\"}\n");
        var reader = new CorpusReader();
        Assert.Equal(["good", "also good"], reader.Read([path], TestContext.Current.CancellationToken).Select(p => p.Text));
        Assert.Equal(4, reader.ProblemCount);
        Assert.Equal([2L, 3, 4, 5], reader.Problems.Select(p => p.Line));
        Assert.Contains("bad.jsonl:2: not JSON", reader.Problems[0].ToString());
        Assert.Contains("no 'text'", reader.Problems[1].Reason);
    }

    [Fact]
    public void Bad_corpus_paths_are_clear_errors_naming_the_path()
    {
        Assert.Equal("CorpusNotFound", Assert.Throws<KgException>(() => CorpusReader.ResolveFiles([Path.Combine(_folder, "missing.jsonl")])).ErrorId);
        var unknown = Write("corpus.csv", "a,b");
        var e = Assert.Throws<KgException>(() => CorpusReader.ResolveFiles([unknown]));
        Assert.Equal("UnsupportedCorpusFile", e.ErrorId);
        Assert.Contains("corpus.csv", e.Message);
        Assert.Contains(".jsonl", e.Message);
        Directory.CreateDirectory(Path.Combine(_folder, "empty"));
        Assert.Equal("EmptyCorpus", Assert.Throws<KgException>(() => CorpusReader.ResolveFiles([Path.Combine(_folder, "empty")])).ErrorId);
    }

    [Fact]
    public void Possible_mentions_are_labels_labelled_texts_and_the_concept_vocabulary()
    {
        var mentions = new PossibleMentions(Forestry(), Forestry().LabelledPassages);
        Assert.Contains("forests", mentions.Vocabulary);        // labelled on its own twice
        Assert.Contains("agroforestry", mentions.Vocabulary);
        Assert.Contains("timber", mentions.Vocabulary);         // a single-word label
        Assert.DoesNotContain("management", mentions.Vocabulary);
        Assert.True(mentions.Matches("New Forest Management rules"));     // a labelled text, any case
        Assert.True(mentions.Matches("Areas were reforested."));          // "forest" inside a longer word
        Assert.True(mentions.Matches("timber exports"));
        Assert.True(mentions.Matches("the forestry sector grew"));        // the preferred label
        Assert.False(mentions.Matches("Foreign assistance and management of waste"));
        Assert.False(mentions.Matches("The weather forecast")); // "fore" is not "forest"
        Assert.False(new PossibleMentions(new Concept("flood"), []).Matches("reforested areas"));
    }

    [Fact]
    public void Sampling_drops_labelled_texts_and_possible_mentions_and_is_deterministic_and_order_free()
    {
        var concept = Forestry();
        var lines = Enumerable.Range(0, 300).Select(i => $"Solar farm number {i} opened.").ToList();
        lines.AddRange(Enumerable.Range(0, 100).Select(i => $"Timber exports rose by {i} percent."));
        lines.Add(concept.LabelledPassages[0].Text);
        var a = Write("a.txt", string.Join("\n", lines));
        var b = Write("b.txt", string.Join("\n", Enumerable.Reverse(lines)));
        var sizes = new CorpusSampleSizes { MinimumNegatives = 50, MaximumNegatives = 100, MiningPool = 30, Validation = 20 };
        var texts = concept.LabelledPassages.Select(p => p.Text).ToHashSet();
        var first = CorpusSampler.Sample([a], concept, concept.LabelledPassages, texts, 1, sizes, TestContext.Current.CancellationToken);
        var reversed = CorpusSampler.Sample([b], concept, concept.LabelledPassages, texts, 1, sizes, TestContext.Current.CancellationToken);
        var otherSeed = CorpusSampler.Sample([a], concept, concept.LabelledPassages, texts, 2, sizes, TestContext.Current.CancellationToken);
        var s = first.Summary;
        Assert.Equal((401L, 1L, 100L, 300L), (s.PassagesRead, s.DroppedAsLabelled, s.PossibleMentions, s.Candidates));
        Assert.Equal(0.25, s.Prior, 6);
        Assert.Equal(20, first.Validation.Count);
        Assert.Equal(30, first.MiningPool.Count);
        // 7 positives at a rate of 0.25: 21 natural negatives, 4 × 21 = 84.
        Assert.Equal(84, first.Negatives.Count);
        var all = first.Negatives.Concat(first.MiningPool).Concat(first.Validation).Select(p => p.Text).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());                       // three disjoint samples
        Assert.DoesNotContain(all, t => t.Contains("Timber", StringComparison.Ordinal) || texts.Contains(t));
        Assert.Equal(all, reversed.Negatives.Concat(reversed.MiningPool).Concat(reversed.Validation).Select(p => p.Text)); // order of the corpus does not matter
        Assert.NotEqual(all, otherSeed.Negatives.Concat(otherSeed.MiningPool).Concat(otherSeed.Validation).Select(p => p.Text));
        Assert.NotEqual(s.Sha256, reversed.Summary.Sha256);                   // but the files differ, and the record says so
    }

    [Fact]
    public void A_corpus_that_cannot_give_negatives_is_a_clear_error()
    {
        var concept = Forestry();
        var texts = concept.LabelledPassages.Select(p => p.Text).ToHashSet();
        var empty = Write("empty.txt", "\n\n");
        Assert.Equal("EmptyCorpus", Assert.Throws<KgException>(() => CorpusSampler.Sample([empty], concept, concept.LabelledPassages, texts, 1, cancellationToken: TestContext.Current.CancellationToken)).ErrorId);
        var same = Write("same.txt", string.Join("\n", texts));
        Assert.Equal("CorpusIsLabelledSet", Assert.Throws<KgException>(() => CorpusSampler.Sample([same], concept, concept.LabelledPassages, texts, 1, cancellationToken: TestContext.Current.CancellationToken)).ErrorId);
        var allAbout = Write("about.txt", "Timber exports\nLogging bans\nforests everywhere\n");
        var e = Assert.Throws<KgException>(() => CorpusSampler.Sample([allAbout], concept, concept.LabelledPassages, texts, 1, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal("NoCorpusNegatives", e.ErrorId);
        Assert.Contains("3 may mention Q787", e.Message);
    }

    [Fact]
    public void Sampling_memory_is_the_sample_not_the_corpus()
    {
        // 200,000 distinct passages through a sample of 300: only the sample is kept.
        var path = Path.Combine(_folder, "big.txt");
        using (var w = new StreamWriter(path))
        {
            for (var i = 0; i < 200_000; i++) w.WriteLine($"Passage number {i} about energy.");
        }
        var concept = Forestry();
        var sizes = new CorpusSampleSizes { MinimumNegatives = 100, MaximumNegatives = 100, MiningPool = 100, Validation = 100 };
        GC.Collect();
        var before = GC.GetTotalMemory(true);
        var sample = CorpusSampler.Sample([path], concept, concept.LabelledPassages, new HashSet<string>(), 3, sizes, TestContext.Current.CancellationToken);
        var after = GC.GetTotalMemory(true);
        Assert.Equal(200_000, sample.Summary.PassagesRead);
        Assert.Equal((100, 100, 60), (sample.Negatives.Count, sample.MiningPool.Count, sample.Validation.Count)); // a fifth of the sample validates
        Assert.True(after - before < 5_000_000, $"{(after - before) / 1e6:F1} MB kept");
    }

    [Fact]
    public void The_default_corpus_comes_from_the_command_then_the_variable_then_the_settings()
    {
        var settings = new KgSettings { CorpusPaths = ["/data/settings-corpus"] };
        var before = Environment.GetEnvironmentVariable(CorpusPathSetting.Variable);
        try
        {
            Environment.SetEnvironmentVariable(CorpusPathSetting.Variable, null);
            Assert.Equal("/given|-CorpusPath", Flatten(CorpusPathSetting.Resolve(["/given"], settings, p => p)));
            Assert.Equal("|-CorpusPath", Flatten(CorpusPathSetting.Resolve([], settings, p => p)));           // an empty value: no corpus
            Assert.Equal($"/data/settings-corpus|the settings file ({KgPaths.SettingsFile})", Flatten(CorpusPathSetting.Resolve(null, settings, p => p)));
            Environment.SetEnvironmentVariable(CorpusPathSetting.Variable, $"rel{Path.PathSeparator}/abs");
            Assert.Equal("/cwd/rel,/abs|$env:KG_CORPUS_PATH", Flatten(CorpusPathSetting.Resolve(null, settings, p => p.StartsWith('/') ? p : "/cwd/" + p)));
            Environment.SetEnvironmentVariable(CorpusPathSetting.Variable, null);
            Assert.Equal("|none", Flatten(CorpusPathSetting.Resolve(null, new KgSettings(), p => p)));
        }
        finally
        {
            Environment.SetEnvironmentVariable(CorpusPathSetting.Variable, before);
        }

        static string Flatten((IReadOnlyList<string> Paths, string Source) r) => string.Join(",", r.Paths) + "|" + r.Source;
    }

    [Fact]
    public void The_corpus_setting_round_trips_through_the_settings_file()
    {
        var path = Path.Combine(_folder, "settings.json");
        new KgSettings { CorpusPaths = ["/a/corpus.jsonl.gz", "/b"] }.Save(path);
        Assert.Equal(["/a/corpus.jsonl.gz", "/b"], KgSettings.Load(path).CorpusPaths);
        new KgSettings().Save(path);
        Assert.Empty(KgSettings.Load(path).CorpusPaths);
    }

    [Fact]
    public void Passages_split_into_sentence_like_segments()
    {
        const string text = "First sentence. Second; third!\nA list item\n  \n4.5 percent of e.g. land. Last";
        Assert.Equal(["First sentence.", "Second;", "third!", "A list item", "4.5 percent of e.g. land.", "Last"],
            Segments.Split(text).Select(s => text[s.Start..s.End]));
        var longText = string.Join(" ", Enumerable.Repeat("word", 400));
        Assert.All(Segments.Split(longText), s => Assert.True(s.End - s.Start <= Segments.MaxLength));
        Assert.Empty(Segments.Split(" ... \n -- "));
    }
}
