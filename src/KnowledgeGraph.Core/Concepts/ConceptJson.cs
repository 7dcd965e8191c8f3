using System.Buffers;
using System.Text;
using System.Text.Json;
using KnowledgeGraph.Text;

namespace KnowledgeGraph.Concepts;

/// <summary>Reads and writes concepts, labelled passages and spans in the original system's JSON: snake_case fields,
/// computed <c>id</c>/<c>labelled_text</c> written out and ignored on read.</summary>
public static class ConceptJson
{
    public static Concept ReadConcept(string json, string source)
    {
        using var doc = JsonValues.Parse(json, source);
        return ReadConcept(doc.RootElement, source);
    }

    public static Concept ReadConcept(JsonElement e, string source)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(source, $"expected a JSON object for a concept, found {e.ValueKind}");
        }
        try
        {
            var preferred = GetString(e, "preferred_label")
                ?? throw Invalid(source, "the concept has no 'preferred_label'");
            var passages = new List<LabelledPassage>();
            if (e.TryGetProperty("labelled_passages", out var lp) && lp.ValueKind is not (JsonValueKind.Array or JsonValueKind.Null))
            {
                throw Invalid(source, $"'labelled_passages' must be a list of passages, not {Describe(lp)}");
            }
            if (lp.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var p in lp.EnumerateArray())
                {
                    passages.Add(ReadPassage(p, $"{source}, labelled passage {i++}"));
                }
            }
            return new Concept(
                preferred,
                GetStrings(e, "alternative_labels"),
                GetStrings(e, "negative_labels"),
                GetString(e, "description"),
                GetString(e, "definition"),
                GetString(e, "wikibase_id"),
                GetWholeNumber(e, "wikibase_revision", source),
                GetStrings(e, "subconcept_of"),
                GetStrings(e, "has_subconcept"),
                GetStrings(e, "related_concepts"),
                GetStrings(e, "negative_concepts"),
                ReadClaims(e, source),
                GetOptionalStrings(e, "recursive_subconcept_of"),
                GetOptionalStrings(e, "recursive_has_subconcept"),
                passages);
        }
        catch (KgException ex) when (ex.ErrorId is "InvalidWikibaseId" or "InvalidSpan" or "InvalidPassage")
        {
            throw Invalid(source, ex.Message, ex);
        }
        catch (InvalidOperationException ex)
        {
            throw Invalid(source, ex.Message, ex);
        }
    }

    public static LabelledPassage ReadPassage(string json, string source)
    {
        using var doc = JsonValues.Parse(json, source);
        return ReadPassage(doc.RootElement, source);
    }

    public static LabelledPassage ReadPassage(JsonElement e, string source)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(source, $"expected a JSON object for a labelled passage, found {e.ValueKind}");
        }
        string text;
        try
        {
            text = GetString(e, "text") ?? throw Invalid(source, "the passage has no 'text'");
        }
        catch (InvalidOperationException ex)
        {
            throw Invalid(source, ex.Message, ex);
        }
        var spans = new List<Span>();
        if (e.TryGetProperty("spans", out var sp) && sp.ValueKind is not (JsonValueKind.Array or JsonValueKind.Null))
        {
            throw Invalid(source, $"'spans' must be a list of spans, not {Describe(sp)}");
        }
        if (sp.ValueKind == JsonValueKind.Array)
        {
            foreach (var s in sp.EnumerateArray())
            {
                spans.Add(ReadSpan(s, text, source));
            }
        }
        if (e.TryGetProperty("metadata", out var md) && md.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
        {
            throw Invalid(source, $"'metadata' must be an object, not {Describe(md)}");
        }
        var metadata = md.ValueKind == JsonValueKind.Object
            ? JsonValues.ToDictionary(md)
            : new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        try
        {
            return new LabelledPassage(text, spans, GetString(e, "id"), metadata);
        }
        catch (Exception ex) when (ex is KgException or InvalidOperationException)
        {
            throw Invalid(source, ex.Message, ex);
        }
    }

    private static Span ReadSpan(JsonElement s, string passageText, string source)
    {
        if (s.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(source, "a span is not a JSON object");
        }
        if (!s.TryGetProperty("start_index", out var start) || start.ValueKind != JsonValueKind.Number ||
            !s.TryGetProperty("end_index", out var end) || end.ValueKind != JsonValueKind.Number)
        {
            throw Invalid(source, "a span has no numeric 'start_index' and 'end_index'");
        }
        if (!start.TryGetInt32(out var startIndex) || !end.TryGetInt32(out var endIndex))
        {
            throw Invalid(source, $"a span's offsets must be whole numbers of characters, not {start.GetRawText()} and {end.GetRawText()}");
        }
        try
        {
            double? probability = null;
            if (s.TryGetProperty("prediction_probability", out var pp) && pp.ValueKind != JsonValueKind.Null)
            {
                probability = pp.ValueKind == JsonValueKind.Number ? pp.GetDouble() : throw new InvalidOperationException($"'prediction_probability' must be a number, not {Describe(pp)}");
            }
            return new Span(
                GetString(s, "text") ?? passageText,
                startIndex,
                endIndex,
                GetString(s, "concept_id"),
                GetStrings(s, "labellers").ToArray(),
                GetStrings(s, "timestamps").ToArray(),
                probability);
        }
        catch (Exception ex) when (ex is KgException or InvalidOperationException)
        {
            throw Invalid(source, ex.Message, ex);
        }
    }

    private static List<ClassifierIdClaim> ReadClaims(JsonElement e, string source)
    {
        var claims = new List<ClassifierIdClaim>();
        if (!e.TryGetProperty("classifier_ids", out var ids) || ids.ValueKind == JsonValueKind.Null)
        {
            return claims;
        }
        if (ids.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(source, $"'classifier_ids' must be a list of [rank, classifier id] pairs, not {Describe(ids)}");
        }
        foreach (var pair in ids.EnumerateArray())
        {
            if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2 || pair[0].ValueKind != JsonValueKind.String || pair[1].ValueKind != JsonValueKind.String)
            {
                throw Invalid(source, "'classifier_ids' must hold [rank, classifier id] pairs of strings");
            }
            var rank = pair[0].GetString();
            // Enum.TryParse also takes numbers ("5"): only the three names are ranks.
            var r = Enum.GetValues<StatementRank>().FirstOrDefault(x => string.Equals(x.ToString(), rank, StringComparison.OrdinalIgnoreCase), (StatementRank)(-1));
            if (r == (StatementRank)(-1))
            {
                throw Invalid(source, $"'{rank}' is not a statement rank (preferred, normal, deprecated)");
            }
            claims.Add(new ClassifierIdClaim(r, Identifiers.Identifier.ParseClassifierId(pair[1].GetString())));
        }
        return claims;
    }

    /// <summary>A string field: absent or null is null; any other type is an error (a number where text belongs is not
    /// quietly ignored).</summary>
    private static string? GetString(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw new InvalidOperationException($"'{name}' must be a string, not {Describe(v)}");
    }

    private static long? GetWholeNumber(JsonElement e, string name, string source)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : throw Invalid(source, $"'{name}' must be a whole number, not {v.GetRawText()}");
    }

    private static string Describe(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => $"the string {v.GetRawText()}",
        JsonValueKind.Number => $"the number {v.GetRawText()}",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.True or JsonValueKind.False => v.GetRawText(),
        _ => v.ValueKind.ToString().ToLowerInvariant(),
    };

    private static IEnumerable<string> GetStrings(JsonElement e, string name) =>
        GetOptionalStrings(e, name) ?? [];

    private static List<string>? GetOptionalStrings(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (v.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidOperationException($"'{name}' must be a list of strings, not {Describe(v)}");
        }
        return v.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String
            ? x.GetString()!
            : throw new InvalidOperationException($"'{name}' must be a list of strings")).ToList();
    }

    private static KgException Invalid(string source, string message, Exception? inner = null) =>
        new("InvalidConceptData", KgErrorKind.InvalidData, $"{source}: {message}.", source, inner);

    // ---------------------------------------------------------------- writing

    public static string WriteConcept(Concept c, bool indented = true) => WriteToString(w => WriteConcept(w, c), indented);

    public static string WritePassage(LabelledPassage p, bool indented = false) => WriteToString(w => WritePassage(w, p), indented);

    public static void WriteConcept(Utf8JsonWriter w, Concept c, bool includePassages = true)
    {
        w.WriteStartObject();
        w.WriteString("preferred_label", c.PreferredLabel);
        WriteStrings(w, "alternative_labels", c.AlternativeLabels);
        WriteStrings(w, "negative_labels", c.NegativeLabels);
        WriteNullable(w, "description", c.Description);
        WriteNullable(w, "definition", c.Definition);
        WriteNullable(w, "wikibase_id", c.WikibaseId);
        if (c.WikibaseRevision is { } rev) w.WriteNumber("wikibase_revision", rev); else w.WriteNull("wikibase_revision");
        WriteStrings(w, "subconcept_of", c.SubconceptOf);
        WriteStrings(w, "has_subconcept", c.HasSubconcept);
        WriteStrings(w, "related_concepts", c.RelatedConcepts);
        WriteStrings(w, "negative_concepts", c.NegativeConcepts);
        w.WriteStartArray("classifier_ids");
        foreach (var claim in c.ClassifierIds)
        {
            w.WriteStartArray();
            w.WriteStringValue(claim.Rank.ToString().ToLowerInvariant());
            w.WriteStringValue(claim.ClassifierId);
            w.WriteEndArray();
        }
        w.WriteEndArray();
        if (c.RecursiveSubconceptOf is null) w.WriteNull("recursive_subconcept_of"); else WriteStrings(w, "recursive_subconcept_of", c.RecursiveSubconceptOf);
        if (c.RecursiveHasSubconcept is null) w.WriteNull("recursive_has_subconcept"); else WriteStrings(w, "recursive_has_subconcept", c.RecursiveHasSubconcept);
        if (includePassages)
        {
            w.WriteStartArray("labelled_passages");
            foreach (var p in c.LabelledPassages)
            {
                WritePassage(w, p);
            }
            w.WriteEndArray();
        }
        w.WriteString("id", c.Id);
        w.WriteEndObject();
    }

    public static void WritePassage(Utf8JsonWriter w, LabelledPassage p)
    {
        w.WriteStartObject();
        w.WriteString("id", p.Id);
        w.WriteString("text", p.Text);
        w.WriteStartArray("spans");
        foreach (var s in p.Spans)
        {
            WriteSpan(w, s);
        }
        w.WriteEndArray();
        w.WritePropertyName("metadata");
        JsonValues.Write(w, p.Metadata);
        w.WriteEndObject();
    }

    public static void WriteSpan(Utf8JsonWriter w, Span s) => WriteSpan(w, s, default);

    /// <param name="encodedText">The span's text already encoded as a JSON string by a writer with the same options,
    /// quotes included (a passage's text is the text of every span in it), or empty to encode it here.</param>
    public static void WriteSpan(Utf8JsonWriter w, Span s, ReadOnlySpan<byte> encodedText)
    {
        w.WriteStartObject();
        if (encodedText.IsEmpty)
        {
            w.WriteString("text", s.Text);
        }
        else
        {
            w.WritePropertyName("text");
            w.WriteRawValue(encodedText, skipInputValidation: true);
        }
        w.WriteNumber("start_index", s.StartIndex);
        w.WriteNumber("end_index", s.EndIndex);
        if (s.PredictionProbability is { } p) w.WriteNumber("prediction_probability", p); else w.WriteNull("prediction_probability");
        WriteNullable(w, "concept_id", s.ConceptId);
        WriteStrings(w, "labellers", s.Labellers);
        WriteStrings(w, "timestamps", s.Timestamps);
        w.WriteString("id", s.Id);
        w.WriteString("labelled_text", s.LabelledText);
        w.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }
        w.WriteEndArray();
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name); else w.WriteString(name, value);
    }

    internal static string WriteToString(Action<Utf8JsonWriter> write, bool indented)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, indented ? JsonValues.Indented : JsonValues.Compact))
        {
            write(writer);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
