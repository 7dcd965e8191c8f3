using System.Text.Json;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;

namespace KnowledgeGraph.Training.Features;

/// <summary>Gold strings seen in training, as a dictionary feature. For a training passage it leaves out strings that
/// only its own document contributed (a jackknife), so the feature is no more reliable in training than it will be on
/// new text.</summary>
public sealed class Gazetteer
{
    private readonly Dictionary<string, HashSet<string>> _documentsByString = new(StringComparer.Ordinal);
    private readonly Dictionary<string, KeywordClassifier?> _forDocument = new(StringComparer.Ordinal);

    public Gazetteer(IEnumerable<LabelledPassage> goldPassages)
    {
        foreach (var p in goldPassages)
        {
            var doc = DocumentFolds.DocumentOf(p);
            foreach (var s in p.Spans)
            {
                var text = Normalise(s.LabelledText);
                if (text.Length < 3 || !text.Any(char.IsLetter))
                {
                    continue;
                }
                if (!_documentsByString.TryGetValue(text, out var docs))
                {
                    _documentsByString[text] = docs = new HashSet<string>(StringComparer.Ordinal);
                }
                docs.Add(doc);
            }
        }
    }

    /// <summary>A gazetteer from stored strings (a trained model's card).</summary>
    public Gazetteer(IEnumerable<string> strings)
    {
        foreach (var s in strings)
        {
            _documentsByString[s] = [""];
        }
    }

    public IReadOnlyList<string> Strings => _documentsByString.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>The matcher of every string (for new text).</summary>
    public KeywordClassifier? All => ForDocument(null);

    /// <summary>The matcher of the strings that some document other than <paramref name="documentId"/> contributed.</summary>
    public KeywordClassifier? ForDocument(string? documentId)
    {
        var key = documentId ?? "\0all";
        if (_forDocument.TryGetValue(key, out var cached))
        {
            return cached;
        }
        var strings = _documentsByString.Where(kv => documentId is null || kv.Value.Any(d => d != documentId)).Select(kv => kv.Key).ToList();
        var classifier = strings.Count == 0 ? null
            : new KeywordClassifier(new Concept(strings[0], strings.Skip(1)), compiled: documentId is null);
        _forDocument[key] = classifier;
        return classifier;
    }

    /// <summary>Writes the strings as the card's "gazetteer" array.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartArray(CardProperty);
        foreach (var s in Strings) writer.WriteStringValue(s);
        writer.WriteEndArray();
    }

    /// <summary>The gazetteer a card stores, or null when it has none.</summary>
    public static Gazetteer? FromCard(JsonElement card) =>
        card.TryGetProperty(CardProperty, out var g) ? new Gazetteer(g.EnumerateArray().Select(x => x.GetString()!)) : null;

    private const string CardProperty = "gazetteer";

    private static string Normalise(string s) => string.Join(' ', s.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
