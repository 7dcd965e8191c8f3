using System.Buffers;
using System.Text.Json;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Inference;

/// <summary>A classifier version whose results an aggregated document holds.</summary>
public sealed record AggregatedClassifier
{
    public required string WikibaseId { get; init; }
    public required string ClassifierId { get; init; }
    public required string RegistryVersion { get; init; }
    public required string ModelVersion { get; init; }
    /// <summary>The model version's manifest SHA-256: with the document's content, the key of a done inference.</summary>
    public required string ManifestSha256 { get; init; }
    public required string ClassifierName { get; init; }
    public required int Passages { get; init; }
    public required int PositivePassages { get; init; }
}

/// <summary>A concept found in a text block: one predicted span, as the original's aggregation turns a labelled passage
/// into concepts (<c>id</c>, <c>name</c>, parent concepts, <c>model</c>, <c>start</c>, <c>end</c>, <c>timestamp</c>),
/// plus the classifier ID and registry version that found it and the labelled text.</summary>
public sealed record ConceptMention
{
    public required string WikibaseId { get; init; }
    public required string Name { get; init; }
    public required IReadOnlyList<string> ParentConcepts { get; init; }
    public required string Model { get; init; }
    public required int Start { get; init; }
    public required int End { get; init; }
    public required string Timestamp { get; init; }
    public required string ClassifierId { get; init; }
    public required string RegistryVersion { get; init; }
    public required string LabelledText { get; init; }
    public double? Probability { get; init; }

    public static ConceptMention From(Span span, Concept concept, string classifierId, string registryVersion) => new()
    {
        WikibaseId = span.ConceptId ?? concept.WikibaseId ?? "",
        Name = concept.PreferredLabel,
        ParentConcepts = concept.SubconceptOf,
        Model = span.Labellers.Count > 0 ? span.Labellers[0] : "",
        Start = span.StartIndex,
        End = span.EndIndex,
        Timestamp = span.Timestamps.Count > 0 ? span.Timestamps.Max(StringComparer.Ordinal)! : "",
        ClassifierId = classifierId,
        RegistryVersion = registryVersion,
        LabelledText = span.LabelledText,
        Probability = span.PredictionProbability,
    };
}

/// <summary>What an aggregated file says before its text blocks: which document content it is for, and which
/// classifier versions it holds. A run reads only this to decide what is already done.</summary>
public sealed record AggregatedHeader(string DocumentId, string ContentSha256, IReadOnlyList<AggregatedClassifier> Classifiers)
{
    public AggregatedClassifier? Find(string manifestSha256) =>
        Classifiers.FirstOrDefault(c => string.Equals(c.ManifestSha256, manifestSha256, StringComparison.Ordinal));
}

/// <summary>The aggregated results of one document, <c>aggregated/&lt;document id&gt;.json</c>: every text block (in
/// document order) with the concepts found in it by the environment's classifiers, and which classifier versions ran
/// on which document content. It is written after the document's per-classifier files, so it is also the record of
/// what is done: a classifier version listed here for the same content needs no rerun.</summary>
public sealed record AggregatedDocument
{
    public const string Schema = "kgtools.aggregated-document/1";

    public required AggregatedHeader Header { get; init; }
    public required IReadOnlyList<KeyValuePair<string, IReadOnlyList<ConceptMention>>> TextBlocks { get; init; }

    public byte[] ToJson()
    {
        // Sized for the usual file, so that it is written without growing the buffer again and again.
        var buffer = new ArrayBufferWriter<byte>(1024 + Header.Classifiers.Count * 320 + TextBlocks.Sum(b => 32 + b.Value.Count * 400));
        using (var w = new Utf8JsonWriter(buffer, JsonValues.Compact))
        {
            w.WriteStartObject();
            w.WriteString("schema", Schema);
            w.WriteString("document_id", Header.DocumentId);
            w.WriteString("content_sha256", Header.ContentSha256);
            w.WriteStartArray("classifiers");
            foreach (var c in Header.Classifiers)
            {
                w.WriteStartObject();
                w.WriteString("wikibase_id", c.WikibaseId);
                w.WriteString("classifier_id", c.ClassifierId);
                w.WriteString("registry_version", c.RegistryVersion);
                w.WriteString("model_version", c.ModelVersion);
                w.WriteString("manifest_sha256", c.ManifestSha256);
                w.WriteString("classifier_name", c.ClassifierName);
                w.WriteNumber("passages", c.Passages);
                w.WriteNumber("positive_passages", c.PositivePassages);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("text_blocks");
            foreach (var (block, mentions) in TextBlocks)
            {
                w.WriteStartArray(block);
                foreach (var m in mentions)
                {
                    WriteMention(w, m);
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteMention(Utf8JsonWriter w, ConceptMention m)
    {
        w.WriteStartObject();
        w.WriteString("id", m.WikibaseId);
        w.WriteString("name", m.Name);
        w.WriteStartArray("parent_concepts");
        foreach (var p in m.ParentConcepts)
        {
            w.WriteStartObject();
            w.WriteString("id", p);
            w.WriteString("name", "");
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("parent_concept_ids_flat", string.Concat(m.ParentConcepts.Select(p => p + ",")));
        w.WriteString("model", m.Model);
        w.WriteNumber("end", m.End);
        w.WriteNumber("start", m.Start);
        w.WriteString("timestamp", m.Timestamp);
        w.WriteString("classifier_id", m.ClassifierId);
        w.WriteString("registry_version", m.RegistryVersion);
        w.WriteString("labelled_text", m.LabelledText);
        if (m.Probability is { } probability) w.WriteNumber("prediction_probability", probability);
        w.WriteEndObject();
    }

    /// <summary>The header only (the text blocks are not parsed), or null when the file is not an aggregated document
    /// (then it is treated as absent: everything is redone).</summary>
    public static AggregatedHeader? ReadHeader(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            string? schema = null, documentId = null, sha = null;
            List<AggregatedClassifier>? classifiers = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "schema": schema = reader.GetString(); break;
                    case "document_id": documentId = reader.GetString(); break;
                    case "content_sha256": sha = reader.GetString(); break;
                    case "classifiers": classifiers = ReadClassifiers(ref reader); break;
                    case "text_blocks":
                        // The header comes first; nothing after the text blocks is needed.
                        return schema == Schema && documentId is not null && sha is not null && classifiers is not null
                            ? new AggregatedHeader(documentId, sha, classifiers)
                            : null;
                    default: reader.Skip(); break;
                }
            }
            return null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            return null;
        }
    }

    private static List<AggregatedClassifier> ReadClassifiers(ref Utf8JsonReader reader)
    {
        var result = new List<AggregatedClassifier>();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("'classifiers' is not an array");
        }
        // Every rerun reads this for every document and classifier: plain locals, no dictionaries.
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            string? wikibaseId = null, classifierId = null, registryVersion = null, modelVersion = null, manifest = null, name = null;
            int passages = 0, positives = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var property = reader.GetString();
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number)
                {
                    switch (property)
                    {
                        case "passages": passages = reader.GetInt32(); break;
                        case "positive_passages": positives = reader.GetInt32(); break;
                    }
                }
                else if (reader.TokenType == JsonTokenType.String)
                {
                    switch (property)
                    {
                        case "wikibase_id": wikibaseId = reader.GetString(); break;
                        case "classifier_id": classifierId = reader.GetString(); break;
                        case "registry_version": registryVersion = reader.GetString(); break;
                        case "model_version": modelVersion = reader.GetString(); break;
                        case "manifest_sha256": manifest = reader.GetString(); break;
                        case "classifier_name": name = reader.GetString(); break;
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
            result.Add(new AggregatedClassifier
            {
                WikibaseId = wikibaseId ?? throw new KeyNotFoundException("wikibase_id"),
                ClassifierId = classifierId ?? throw new KeyNotFoundException("classifier_id"),
                RegistryVersion = registryVersion ?? throw new KeyNotFoundException("registry_version"),
                ModelVersion = modelVersion ?? throw new KeyNotFoundException("model_version"),
                ManifestSha256 = manifest ?? throw new KeyNotFoundException("manifest_sha256"),
                ClassifierName = name ?? throw new KeyNotFoundException("classifier_name"),
                Passages = passages,
                PositivePassages = positives,
            });
        }
        return result;
    }

    /// <summary>The whole document, or null when the file is not an aggregated document.</summary>
    public static AggregatedDocument? Read(ReadOnlyMemory<byte> json)
    {
        var header = ReadHeader(json.Span);
        if (header is null)
        {
            return null;
        }
        try
        {
            using var doc = JsonDocument.Parse(json);
            var blocks = new List<KeyValuePair<string, IReadOnlyList<ConceptMention>>>();
            foreach (var block in doc.RootElement.GetProperty("text_blocks").EnumerateObject())
            {
                blocks.Add(new(block.Name, block.Value.EnumerateArray().Select(ReadMention).ToArray()));
            }
            return new AggregatedDocument { Header = header, TextBlocks = blocks };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            return null;
        }
    }

    private static ConceptMention ReadMention(JsonElement e) => new()
    {
        WikibaseId = e.GetProperty("id").GetString()!,
        Name = e.GetProperty("name").GetString()!,
        ParentConcepts = e.GetProperty("parent_concepts").EnumerateArray().Select(p => p.GetProperty("id").GetString()!).ToArray(),
        Model = e.GetProperty("model").GetString()!,
        Start = e.GetProperty("start").GetInt32(),
        End = e.GetProperty("end").GetInt32(),
        Timestamp = e.GetProperty("timestamp").GetString()!,
        ClassifierId = e.GetProperty("classifier_id").GetString()!,
        RegistryVersion = e.GetProperty("registry_version").GetString()!,
        LabelledText = e.GetProperty("labelled_text").GetString()!,
        Probability = e.TryGetProperty("prediction_probability", out var p) && p.ValueKind == JsonValueKind.Number ? p.GetDouble() : null,
    };
}
