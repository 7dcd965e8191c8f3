using System.Text.Json;
using System.Text.Json.Serialization;

namespace KnowledgeGraph.Corpus;

/// <summary>Source-generated JSON for reading corpus files item by item.</summary>
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class CorpusJsonContext : JsonSerializerContext;
