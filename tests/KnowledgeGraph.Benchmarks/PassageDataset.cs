using System.Text.Json;
using System.Text.RegularExpressions;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.Benchmarks;

/// <summary>A passage-level data set with real negatives, assembled from the shared data for Q787 ("forestry sector").
/// What the labels are, honestly:
/// - positives: the 128 Q787 passages that human annotators labelled with the concept (UNFCCC corpus);
/// - negatives: the 2 passages the annotators labelled negative, plus passages that mention no forest-related stem
///   (forest, wood, timber, logging, lumber, silvicultur, tree, agroforest, deforest, reforest, plantation): the
///   keyword-conformance passages of two UNFCCC documents (same corpus as the positives) and CCLW text blocks of the
///   document feed, up to as many negatives as positives. These negative labels are silver: set by a lexical rule and
///   by provenance, not by a person, so the set is easier than real text and its scores say little about real use.</summary>
internal static partial class PassageDataset
{
    /// <summary>Q787 ("forestry sector") and its 130 human-labelled passages, from the shared data folder.</summary>
    public static Concept Q787(string data) =>
        ConceptJson.ReadConcept(File.ReadAllText(Path.Combine(data, "concepts", "Q787.json")), "Q787.json");

    /// <summary>The 1,965 real text blocks of the document feed (fields.text_block), in file order.</summary>
    public static string[] FeedTexts(string data)
    {
        using var feed = JsonDocument.Parse(File.ReadAllText(Path.Combine(data, "documents", "document_passage.json")));
        return feed.RootElement.EnumerateArray().Select(e => e.GetProperty("fields").GetProperty("text_block").GetString()!).ToArray();
    }

    public static IReadOnlyList<LabelledPassage> Build(string data, Concept q787)
    {
        var passages = q787.LabelledPassages.ToList();
        var negatives = new List<LabelledPassage>();
        var seen = passages.Select(p => p.Text).ToHashSet(StringComparer.Ordinal);
        void AddNegative(string text, string document)
        {
            if (text.Length >= 60 && !ForestStem().IsMatch(text) && seen.Add(text))
            {
                negatives.Add(new LabelledPassage(text, [], null, new Dictionary<string, object?> { ["document_id"] = document, ["label_source"] = "silver" }));
            }
        }
        foreach (var file in Directory.GetFiles(Path.Combine(data, "keyword-conformance", "Q123", "g29kcna9"), "UNFCCC*.json").Order(StringComparer.Ordinal))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var item in doc.RootElement.EnumerateArray())
            {
                AddNegative(ConceptJson.ReadPassage(item.GetString()!, file).Text, Path.GetFileNameWithoutExtension(file));
            }
        }
        using (var feed = JsonDocument.Parse(File.ReadAllText(Path.Combine(data, "documents", "document_passage.json"))))
        {
            foreach (var block in feed.RootElement.EnumerateArray().Select(b => b.GetProperty("fields")).OrderBy(f => f.GetProperty("text_block_id").GetString(), StringComparer.Ordinal))
            {
                var text = block.GetProperty("text_block").GetString()!;
                var document = block.GetProperty("family_document_ref").GetString()!;
                AddNegative(text, document + "#" + (text.Length % 7)); // several pseudo-documents per source document, for the folds
            }
        }
        var wanted = passages.Count(p => p.IsPositive) - passages.Count(p => !p.IsPositive);
        var unfccc = negatives.Where(n => ((string)n.Metadata["document_id"]!).StartsWith("UNFCCC", StringComparison.Ordinal)).ToList();
        var rest = negatives.Except(unfccc).OrderBy(n => FeatureOrder(n.Text)).Take(Math.Max(0, wanted - unfccc.Count));
        passages.AddRange(unfccc.Take(wanted));
        passages.AddRange(rest);
        return passages;
    }

    /// <summary>Silver negatives for Q787 from another source than the document feed: the keyword-conformance passages
    /// (5 documents, 6 other concepts; their keyword spans removed) that mention no forest-related stem, at least 60
    /// characters long, not in <paramref name="exclude"/>, in a fixed pseudo-random order.</summary>
    public static IReadOnlyList<LabelledPassage> SilverNegatives(string data, IReadOnlyCollection<string> exclude)
    {
        var seen = new HashSet<string>(exclude, StringComparer.Ordinal);
        return Directory.GetFiles(Path.Combine(data, "keyword-conformance"), "*.json", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .SelectMany(file => PassageFile.Read(file).Select(p => (p.Text, Document: Path.GetFileNameWithoutExtension(file))))
            .Where(x => x.Text.Length >= 60 && !ForestStem().IsMatch(x.Text) && seen.Add(x.Text))
            .Select(x => new LabelledPassage(x.Text, [], null, new Dictionary<string, object?> { ["document_id"] = "silver:" + x.Document, ["label_source"] = "silver" }))
            .OrderBy(p => FeatureOrder(p.Text))
            .ToArray();
    }

    private static ulong FeatureOrder(string text) => KnowledgeGraph.Training.Features.FeatureHasher.Hash(text, "sample");

    /// <summary>The forest-related stems whose absence makes a passage a silver negative.</summary>
    [GeneratedRegex("forest|wood|timber|logging|lumber|silvicultur|tree|plantation", RegexOptions.IgnoreCase)]
    internal static partial Regex ForestStem();
}
