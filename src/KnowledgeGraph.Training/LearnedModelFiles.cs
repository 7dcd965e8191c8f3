using System.Reflection;
using System.Text;
using System.Text.Json;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Models;
using KnowledgeGraph.Training.Features;
using KnowledgeGraph.Training.Models;
using TorchSharp;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace KnowledgeGraph.Training;

/// <summary>The files of a learned model: <c>model.json</c>, its card (type, classifier ID, concept, hyper-parameters,
/// seed, training-data hash, the weights' SHA-256, library versions, a span tagger's gazetteer and span threshold), and
/// <c>model.weights</c>, the TorchSharp state dict. Nothing in them runs code when loaded. Loading checks that the card,
/// the weights and the expected classifier ID agree.</summary>
public static class LearnedModelFiles
{
    public const string Schema = "kgtools.learned-model/1";
    private static readonly JsonSerializerOptions SettingsJson = new() { WriteIndented = false };

    public static string TorchSharpVersion { get; } =
        typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0]
        ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";

    public static (byte[] Card, byte[] Weights) Save(IClassifier classifier, int seed, string trainingDataSha256, TrainingReport report)
    {
        var weights = Weights(classifier switch
        {
            SpanTagger s => s.Net,
            PassageClassifier p => p.Net,
            _ => throw new ArgumentException($"{classifier.Name} is not a learned classifier.", nameof(classifier)),
        });
        var card = ModelFiles.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("schema", Schema);
            w.WriteString("classifier_type", classifier is SpanTagger ? nameof(ClassifierType.SpanTagger) : nameof(ClassifierType.PassageClassifier));
            w.WriteString("classifier_name", classifier.Name);
            w.WriteString("classifier_id", classifier.Id);
            w.WritePropertyName("concept");
            ConceptJson.WriteConcept(w, classifier.Concept, includePassages: false);
            w.WritePropertyName("settings");
            var settings = classifier switch
            {
                SpanTagger s => JsonSerializer.SerializeToElement(s.Settings, SettingsJson),
                _ => JsonSerializer.SerializeToElement(((PassageClassifier)classifier).Settings, SettingsJson),
            };
            settings.WriteTo(w);
            w.WriteNumber("seed", seed);
            w.WriteString("training_data_sha256", trainingDataSha256);
            w.WriteString("weights_sha256", ModelManifest.Sha256Hex(weights));
            w.WriteString("trained_on", report.Device);
            report.WriteSummary(w, (classifier as SpanTagger)?.Threshold);
            w.WriteStartObject("libraries");
            w.WriteString("torchsharp", TorchSharpVersion);
            w.WriteEndObject();
            if (classifier is SpanTagger { Gazetteer: { } g })
            {
                w.WriteStartArray("gazetteer");
                foreach (var s in g.Strings) w.WriteStringValue(s);
                w.WriteEndArray();
            }
            w.WriteEndObject();
        });
        return (card, weights);
    }

    private static byte[] Weights(nn.Module net)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            net.save(writer);
        }
        return stream.ToArray();
    }

    /// <summary>Rebuilds the classifier of a stored model on <paramref name="device"/>.</summary>
    public static IClassifier Load(byte[] card, byte[] weights, string expectedClassifierId, Device device, string source)
    {
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(card).RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw Mismatch(source, $"its card is not valid JSON ({e.Message})", e);
        }
        string Str(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : throw Mismatch(source, $"its card has no '{name}'");
        if (Str("schema") != Schema)
        {
            throw Mismatch(source, $"its card's schema is '{Str("schema")}', not {Schema}");
        }
        if (Str("classifier_id") != expectedClassifierId)
        {
            throw Mismatch(source, $"its card names classifier {Str("classifier_id")}, but it is stored as {expectedClassifierId}");
        }
        var actual = ModelManifest.Sha256Hex(weights);
        if (Str("weights_sha256") != actual)
        {
            throw Mismatch(source, $"its weights have SHA-256 {actual}, but its card expects {Str("weights_sha256")}");
        }
        var concept = ConceptJson.ReadConcept(root.GetProperty("concept"), source);
        var type = Str("classifier_type");
        try
        {
            switch (type)
            {
                case nameof(ClassifierType.SpanTagger):
                {
                    var settings = root.GetProperty("settings").Deserialize<SpanTaggerSettings>(SettingsJson)!;
                    var threshold = root.TryGetProperty("span_threshold", out var t) ? t.GetDouble() : 0;
                    if (threshold is < 0 or >= 1)
                    {
                        throw Mismatch(source, $"its card's span_threshold {threshold} is not in [0, 1)");
                    }
                    var gazetteer = root.TryGetProperty("gazetteer", out var g) ? new Gazetteer(g.EnumerateArray().Select(x => x.GetString()!)) : null;
                    var net = LoadInto(new SpanTaggerNet(settings), weights, device);
                    return new SpanTagger(concept, expectedClassifierId, settings, net, gazetteer, device, threshold);
                }
                case nameof(ClassifierType.PassageClassifier):
                {
                    var settings = root.GetProperty("settings").Deserialize<PassageClassifierSettings>(SettingsJson)!;
                    return new PassageClassifier(concept, expectedClassifierId, settings, LoadInto(new PassageNet(settings), weights, device), device);
                }
                default:
                    throw Mismatch(source, $"its card names an unknown classifier type '{type}'");
            }
        }
        catch (Exception e) when (e is not KgException and (ArgumentException or InvalidOperationException or IOException or ExternalException or JsonException))
        {
            throw Mismatch(source, $"its weights do not fit a {type} with the settings of its card ({e.Message})", e);
        }
    }

    private static T LoadInto<T>(T net, byte[] weights, Device device) where T : nn.Module
    {
        using var reader = new BinaryReader(new MemoryStream(weights));
        net.load(reader, strict: true);
        net.to(device);
        net.eval();
        return net;
    }

    private static KgException Mismatch(string source, string why, Exception? inner = null) =>
        new("ModelMismatch", KgErrorKind.InvalidData, $"The model {source} cannot be loaded: {why}.", source, inner);
}
