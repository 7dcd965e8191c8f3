using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Corpus;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace KnowledgeGraph.Training;

/// <summary>A learned model's files: a JSON card (schema, type, classifier ID, concept, settings, seed, the SHA-256 of the
/// training data and of the weights, the threshold and how it was chosen, what training did, the corpus it drew from,
/// library versions, the type's extras) and the network's state dict (TorchSharp's format, never a pickle). Loading
/// checks that the card, the weights and the expected classifier ID agree, then hands the type its settings.</summary>
public sealed class ModelCard
{
    public const string Schema = "kgtools.learned-model/2";
    private const string SchemaV1 = "kgtools.learned-model/1";
    internal static readonly JsonSerializerOptions SettingsJson = new() { WriteIndented = false };

    public static string TorchSharpVersion { get; } =
        typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0]
        ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";

    private ModelCard(JsonElement root, string source)
    {
        Root = root;
        Source = source;
    }

    public JsonElement Root { get; }
    /// <summary>Names the model in errors.</summary>
    public string Source { get; }
    public string ClassifierType => Str("classifier_type");
    public string ClassifierId => Str("classifier_id");
    public bool IsVersion1 => Str("schema") == SchemaV1;
    public Concept Concept => ConceptJson.ReadConcept(Root.GetProperty("concept"), Source);

    /// <summary>The decision threshold (schema 1 kept a span tagger's as <c>span_threshold</c>).</summary>
    public double Threshold
    {
        get
        {
            var threshold = Root.TryGetProperty("threshold", out var t) ? t.GetDouble()
                : Root.TryGetProperty("span_threshold", out var s) ? s.GetDouble() : 0;
            return threshold is >= 0 and < 1 ? threshold : throw Mismatch(Source, $"its card's threshold {threshold} is not in [0, 1)");
        }
    }

    /// <summary>The type's settings, as its settings record.</summary>
    public T Settings<T>() where T : class
    {
        try
        {
            return Root.GetProperty("settings").Deserialize<T>(SettingsJson) ?? throw Mismatch(Source, "its card's settings are null");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or NotSupportedException)
        {
            throw Mismatch(Source, $"its card's settings are not a {typeof(T).Name} ({e.Message})", e);
        }
    }

    private string Str(string name) =>
        Root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : throw Mismatch(Source, $"its card has no '{name}'");

    public static (byte[] Card, byte[] Weights) Save(ILearnedModel model, string classifierType, int seed, string trainingDataSha256,
        TrainingSummary summary, CorpusSummary? corpus)
    {
        var weights = Weights(model.Network);
        var card = ModelFiles.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("schema", Schema);
            w.WriteString("classifier_type", classifierType);
            w.WriteString("classifier_name", model.Name);
            w.WriteString("classifier_id", model.Id);
            w.WritePropertyName("concept");
            ConceptJson.WriteConcept(w, model.Concept, includePassages: false);
            w.WritePropertyName("settings");
            model.Settings.WriteTo(w);
            w.WriteNumber("seed", seed);
            w.WriteString("training_data_sha256", trainingDataSha256);
            w.WriteString("weights_sha256", ModelManifest.Sha256Hex(weights));
            w.WriteString("trained_on", summary.Device);
            w.WriteNumber("threshold", model.Threshold);
            w.WriteString("threshold_rule", summary.ThresholdRule);
            w.WritePropertyName("training");
            WorkerJson.ToElement(summary with { Epochs = [] }).WriteTo(w);
            w.WritePropertyName("corpus");
            if (corpus is null) w.WriteNullValue(); else WorkerJson.ToElement(corpus).WriteTo(w);
            w.WriteStartObject("libraries");
            w.WriteString("torchsharp", TorchSharpVersion);
            w.WriteEndObject();
            model.WriteCardExtras(w);
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
    public static ILearnedModel Load(byte[] card, byte[] weights, string expectedClassifierId, Device device, string source)
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
        var model = new ModelCard(root, source);
        var schema = model.Str("schema");
        if (schema is not (Schema or SchemaV1))
        {
            throw Mismatch(source, $"its card's schema is '{schema}', not {Schema}");
        }
        if (model.ClassifierId != expectedClassifierId)
        {
            throw Mismatch(source, $"its card names classifier {model.ClassifierId}, but it is stored as {expectedClassifierId}");
        }
        var actual = ModelManifest.Sha256Hex(weights);
        if (model.Str("weights_sha256") != actual)
        {
            throw Mismatch(source, $"its weights have SHA-256 {actual}, but its card expects {model.Str("weights_sha256")}");
        }
        var type = LearnedTypesOrMismatch(model.ClassifierType, source);
        try
        {
            return type.Load(model, weights, device);
        }
        catch (Exception e) when (e is not KgException and (ArgumentException or InvalidOperationException or IOException or ExternalException or JsonException))
        {
            throw Mismatch(source, $"its weights do not fit a {model.ClassifierType} with the settings of its card ({e.Message})", e);
        }
    }

    private static ILearnedType LearnedTypesOrMismatch(string name, string source)
    {
        try
        {
            return LearnedTypes.Get(name);
        }
        catch (KgException)
        {
            throw Mismatch(source, $"its card names the classifier type '{name}', which this module does not have ({string.Join(", ", LearnedTypes.Names.Order())})");
        }
    }

    /// <summary>Loads a state dict into <paramref name="net"/> (strictly: every parameter, nothing else) on a device.</summary>
    internal static T LoadWeights<T>(T net, byte[] weights, Device device, string source) where T : nn.Module
    {
        using var reader = new BinaryReader(new MemoryStream(weights));
        try
        {
            net.load(reader, strict: true);
        }
        catch (ArgumentException e)
        {
            // A model trained by an earlier version of the module whose network had other layers.
            throw Mismatch(source, $"its weights do not fit this version's {net.GetName()} ({e.Message}); train it again", e);
        }
        net.to(device);
        net.eval();
        return net;
    }

    internal static KgException Mismatch(string source, string why, Exception? inner = null) =>
        new("ModelMismatch", KgErrorKind.InvalidData, $"The model {source} cannot be loaded: {why}.", source, inner);
}
