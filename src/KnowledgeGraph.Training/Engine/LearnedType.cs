using System.Reflection;
using System.Text.Json;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using static TorchSharp.torch;

namespace KnowledgeGraph.Training;

/// <summary>Marks the class that implements a learned classifier type (<see cref="ILearnedType"/>). The name is the
/// type's name in <see cref="ClassifierTypes.All"/>; that registration and this class are all a new type needs.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class LearnedTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>What a learned type trains on.</summary>
public sealed record LearnedTrainingInput
{
    public required Concept Concept { get; init; }
    /// <summary>Human-labelled passages (the concept's own and extra data; never the evaluation passages).</summary>
    public required IReadOnlyList<LabelledPassage> Training { get; init; }
    /// <summary>Unlabelled corpus passages: negatives, a pool of hard-negative candidates, validation negatives.</summary>
    public Corpus.CorpusSample? Corpus { get; init; }
    public required int Seed { get; init; }
    public required Device Device { get; init; }
    /// <summary>A hard cap on the number of epochs (-MaxEpochs), or null for the type's own schedule.</summary>
    public int? Epochs { get; init; }
    /// <summary>SHA-256 of the training data, for the deterministic classifier ID.</summary>
    public required string TrainingDataSha256 { get; init; }
    /// <summary>Hyper-parameters to change from the type's defaults (a JSON object of settings properties).</summary>
    public JsonElement? Settings { get; init; }

    /// <summary>The type's default settings with <see cref="Settings"/> laid over them and the epoch cap applied.</summary>
    public T SettingsOf<T>(T defaults) where T : class
    {
        if (Settings is not { ValueKind: JsonValueKind.Object } overrides)
        {
            return defaults;
        }
        var node = System.Text.Json.Nodes.JsonNode.Parse(JsonSerializer.Serialize(defaults, ModelCard.SettingsJson))!.AsObject();
        foreach (var property in overrides.EnumerateObject())
        {
            if (!node.ContainsKey(property.Name))
            {
                throw new KgException("InvalidSettings", KgErrorKind.InvalidArgument,
                    $"'{property.Name}' is not a setting of {typeof(T).Name}. Valid settings: {string.Join(", ", node.Select(p => p.Key))}.", property.Name);
            }
            node[property.Name] = System.Text.Json.Nodes.JsonNode.Parse(property.Value.GetRawText());
        }
        return node.Deserialize<T>(ModelCard.SettingsJson)!;
    }
}

/// <summary>A learned classifier type: how to train one, and how to load a stored one.</summary>
public interface ILearnedType
{
    (ILearnedModel Model, TrainingReport Report) Train(LearnedTrainingInput input, Action<EpochReport>? progress, CancellationToken cancellationToken);

    /// <summary>Rebuilds a stored model from its card and weights (both already checked against each other).</summary>
    ILearnedModel Load(ModelCard card, byte[] weights, Device device);
}

/// <summary>A learned type's hyper-parameters: a record the card stores, with a hard cap on epochs.</summary>
public interface ILearnedSettings<out TSelf>
{
    /// <summary>These settings with a hard cap of <paramref name="epochs"/> epochs (no minimum number of steps).</summary>
    TSelf WithEpochLimit(int epochs);
}

/// <summary>What every learned type's registration does before its trainer runs: its default settings, with the
/// request's overrides laid over them and -MaxEpochs applied.</summary>
public abstract class LearnedType<TSettings> : ILearnedType where TSettings : class, ILearnedSettings<TSettings>, new()
{
    public (ILearnedModel Model, TrainingReport Report) Train(LearnedTrainingInput input, Action<EpochReport>? progress, CancellationToken cancellationToken)
    {
        var settings = input.SettingsOf(new TSettings());
        return Train(input, input.Epochs is { } n ? settings.WithEpochLimit(n) : settings, progress, cancellationToken);
    }

    protected abstract (ILearnedModel Model, TrainingReport Report) Train(LearnedTrainingInput input, TSettings settings, Action<EpochReport>? progress, CancellationToken cancellationToken);

    public abstract ILearnedModel Load(ModelCard card, byte[] weights, Device device);
}

/// <summary>A trained (or loaded) learned classifier.</summary>
public interface ILearnedModel : IClassifier, IDisposable
{
    /// <summary>The network whose state dict is the model's weights.</summary>
    nn.Module Network { get; }

    /// <summary>The type's hyper-parameters, as stored in the card.</summary>
    JsonElement Settings { get; }

    /// <summary>The decision threshold chosen at training time.</summary>
    double Threshold { get; }

    /// <summary>Spans per text, and each text's passage-level score: a text is flagged (has spans) exactly when its
    /// score is above 0 and at least <see cref="Threshold"/>.</summary>
    (IReadOnlyList<IReadOnlyList<Span>> Spans, float[] Scores) Score(IReadOnlyList<string> texts);

    /// <summary>Anything else of the type's that its card must keep (a span tagger's gazetteer).</summary>
    void WriteCardExtras(Utf8JsonWriter writer)
    {
    }
}

/// <summary>The learned types in this assembly, found by their <see cref="LearnedTypeAttribute"/>.</summary>
public static class LearnedTypes
{
    private static readonly Lazy<IReadOnlyDictionary<string, ILearnedType>> Registered = new(() =>
        typeof(LearnedTypes).Assembly.GetTypes()
            .Select(t => (Type: t, Attribute: t.GetCustomAttribute<LearnedTypeAttribute>()))
            .Where(x => x.Attribute is not null)
            .ToDictionary(x => x.Attribute!.Name, x => (ILearnedType)Activator.CreateInstance(x.Type)!, StringComparer.OrdinalIgnoreCase));

    public static IReadOnlyCollection<string> Names => Registered.Value.Keys.ToArray();

    public static ILearnedType Get(string name) =>
        Registered.Value.TryGetValue(name, out var type) ? type
        : throw new KgException("InvalidClassifierType", KgErrorKind.InvalidArgument,
            $"The worker trains the learned types {string.Join(", ", Registered.Value.Keys.Order())}, not '{name}'.", name);
}
