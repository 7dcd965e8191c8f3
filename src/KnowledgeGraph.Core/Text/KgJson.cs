using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using KnowledgeGraph.Configuration;
using KnowledgeGraph.Models;
using KnowledgeGraph.Registry;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.Text;

/// <summary>The module's own JSON formats (registry records and snapshots, model manifests, run records, evaluations),
/// serialized from records by System.Text.Json's source generator: snake_case names, nulls left out, duplicate keys
/// refused. Hand-written JSON remains only where bytes must match the original system (concepts, passages, spans).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    AllowDuplicateProperties = false,
    WriteIndented = true,
    IndentSize = 2)]
[JsonSerializable(typeof(RegistryRecordDocument))]
[JsonSerializable(typeof(RegistryStateDocument))]
[JsonSerializable(typeof(ModelManifestDocument))]
[JsonSerializable(typeof(RunRecordDocument))]
[JsonSerializable(typeof(List<EvaluationRowDocument>))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(ImportedModelCard))]
[JsonSerializable(typeof(Batches.TrainingBatchDocument))]
[JsonSerializable(typeof(Batches.BatchResultDocument))]
[JsonSerializable(typeof(Inference.InferenceBatchDocument))]
internal sealed partial class KgJsonContext : JsonSerializerContext;

/// <summary>The settings file keeps its camelCase names (<c>profileName</c>, <c>endpointUrl</c>).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    AllowDuplicateProperties = false,
    WriteIndented = true,
    IndentSize = 2)]
[JsonSerializable(typeof(SettingsDocument))]
internal sealed partial class SettingsJsonContext : JsonSerializerContext;

/// <summary>Typed access to the generated serializers, with the original's text encoding (non-ASCII kept as it is).</summary>
internal static class KgJson
{
    private static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    public static KgJsonContext Indented { get; } = new(new JsonSerializerOptions(KgJsonContext.Default.Options) { Encoder = Encoder });

    /// <summary>One line, for snapshots and for hashing canonical forms.</summary>
    public static KgJsonContext Compact { get; } = new(new JsonSerializerOptions(KgJsonContext.Default.Options) { Encoder = Encoder, WriteIndented = false });

    /// <summary>For reading free-form JSON items (streamed passage files): duplicate keys refused.</summary>
    public static KgJsonContext Strict { get; } = new(new JsonSerializerOptions(KgJsonContext.Default.Options));

    public static SettingsJsonContext Settings { get; } = new(new JsonSerializerOptions(SettingsJsonContext.Default.Options) { Encoder = Encoder });

    /// <summary>The bytes of a document, with a final newline when indented (files people may read).</summary>
    public static byte[] ToBytes<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, type);
        return type.Options.WriteIndented ? [.. bytes, (byte)'\n'] : bytes;
    }

    /// <summary>Parses a document; syntax errors, wrong value types and duplicate keys become a <see cref="FormatException"/>
    /// whose message names the JSON path, for the caller to wrap in its own error.</summary>
    public static T Parse<T>(ReadOnlySpan<byte> json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(json, type) ?? throw new FormatException("the document is null");
        }
        catch (JsonException e)
        {
            throw new FormatException(e.Path is { } path ? $"{FirstSentence(e.Message)} (at {path})" : FirstSentence(e.Message), e);
        }
    }

    public static string Sha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private static string FirstSentence(string message)
    {
        var i = message.IndexOf(" Path:", StringComparison.Ordinal);
        return i > 0 ? message[..i] : message;
    }
}

/// <summary>Who and where, as stored in manifests and registry records.</summary>
internal sealed record ActorDocument
{
    public string? User { get; init; }
    public string? Machine { get; init; }
    public int Process { get; init; }
    public string? Tool { get; init; }

    public static ActorDocument From(Storage.Actor a) => new() { User = a.User, Machine = a.Machine, Process = a.Process, Tool = a.Tool };

    public Storage.Actor ToActor() => new(
        User ?? throw new FormatException("the actor has no 'user'"),
        Machine ?? throw new FormatException("the actor has no 'machine'"),
        Process,
        Tool ?? throw new FormatException("the actor has no 'tool'"));
}
