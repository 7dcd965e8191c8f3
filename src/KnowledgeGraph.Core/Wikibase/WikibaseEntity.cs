using System.Text.Json;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Identifiers;

namespace KnowledgeGraph.Wikibase;

/// <summary>An item's content at one revision, as the MediaWiki API returns it: the entity JSON (a string) of the page's
/// main slot, with the revision's ID and time.</summary>
public sealed record EntityRevision(string WikibaseId, long PageId, long Revision, DateTimeOffset Timestamp, string Content);

/// <summary>Turns Wikibase entity JSON (the data model: labels, aliases, descriptions, claims of statements with a
/// mainsnak, a datavalue and a rank) into concepts, exactly as the original's loader does (original-models.md §5.2): the
/// English label is the preferred label; aliases in en, en-gb, en-us and mul (in that order) are alternative labels; the
/// English description, else "", the description; then the statements of the mapped properties. The labels, aliases and
/// description are validated as a concept; negative labels (P9) are added as they are, unvalidated, as the original adds
/// them after validation, so that the concept ID is the original's.</summary>
public static class WikibaseEntity
{
    private static readonly string[] AliasLanguages = ["en", "en-gb", "en-us", "mul"];

    /// <summary>Where an entity's content says it redirects (<c>{"entity":"Q15","redirect":"Q10"}</c>), its target.</summary>
    public static string? RedirectTarget(string content)
    {
        using var doc = Parse(content, "the revision");
        var e = doc.RootElement;
        return e.ValueKind == JsonValueKind.Object && e.TryGetProperty("redirect", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
    }

    /// <param name="resolve">Maps an item ID to its redirect target (the ID itself when it is not a redirect).</param>
    /// <param name="warn">Receives what was skipped: property values where items belong, invalid classifier-ID claims.</param>
    public static Concept ToConcept(EntityRevision revision, WikibaseProperties properties, Func<string, string> resolve, Action<string> warn)
    {
        var where = $"{revision.WikibaseId} (revision {revision.Revision})";
        using var doc = Parse(revision.Content, where);
        var e = doc.RootElement;
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(where, $"the content is {Kind(e)}, not an entity object");
        }
        var type = OptionalString(e, "type", where);
        if (type is "property" || (OptionalString(e, "id", where) is { } id && WikibaseId.IsPropertyId(id)))
        {
            throw new KgException("WikibasePropertyNotItem", KgErrorKind.InvalidArgument,
                $"{where} is a property, not an item: concepts are items (Q...).", revision.WikibaseId);
        }
        if (type is not (null or "item"))
        {
            throw Malformed(where, $"its type is '{type}', not 'item'");
        }
        var preferred = LanguageValue(e, "labels", "en", where);
        if (string.IsNullOrEmpty(preferred))
        {
            throw new KgException("InvalidConceptData", KgErrorKind.InvalidData,
                $"{where} has no English label (labels.en), which a concept needs as its preferred label.", revision.WikibaseId);
        }
        var aliases = new List<string>();
        if (Map(e, "aliases", where) is { } aliasMap)
        {
            foreach (var language in AliasLanguages)
            {
                if (!aliasMap.TryGetProperty(language, out var list) || list.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }
                if (list.ValueKind != JsonValueKind.Array)
                {
                    throw Malformed(where, $"aliases.{language} is {Kind(list)}, not a list");
                }
                foreach (var alias in list.EnumerateArray())
                {
                    if (alias.ValueKind != JsonValueKind.Object)
                    {
                        throw Malformed(where, $"an alias in aliases.{language} is {Kind(alias)}, not an object");
                    }
                    if (OptionalString(alias, "value", where) is { Length: > 0 } value)
                    {
                        aliases.Add(value);
                    }
                }
            }
        }
        var description = LanguageValue(e, "descriptions", "en", where) ?? "";
        Concept validated;
        try
        {
            validated = new Concept(preferred, aliases, description: description, wikibaseId: revision.WikibaseId, wikibaseRevision: revision.Revision);
        }
        catch (KgException ex) when (ex.ErrorId == "InvalidConcept")
        {
            throw new KgException("InvalidConceptData", KgErrorKind.InvalidData, $"{where}: {ex.Message}", revision.WikibaseId, ex);
        }

        var subconceptOf = new List<string>();
        var hasSubconcept = new List<string>();
        var related = new List<string>();
        var negativeConcepts = new List<string>();
        var negatives = new List<string>();
        string? definition = null;
        var claims = new List<ClassifierIdClaim>();
        if (Map(e, "claims", where) is { } claimMap)
        {
            foreach (var property in claimMap.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.Array)
                {
                    throw Malformed(where, $"claims.{property.Name} is {Kind(property.Value)}, not a list of statements");
                }
                var index = 0;
                foreach (var statement in property.Value.EnumerateArray())
                {
                    var at = $"claims.{property.Name}[{index++}]";
                    var (pid, snaktype, value) = MainSnak(statement, at, where);
                    if (pid == properties.ClassifierId)
                    {
                        ReadClassifierClaim(statement, snaktype, value, at, where, claims, warn);
                        continue;
                    }
                    if (snaktype != "value")
                    {
                        continue;
                    }
                    if (pid == properties.SubconceptOf) AddItem(subconceptOf);
                    else if (pid == properties.HasSubconcept) AddItem(hasSubconcept);
                    else if (pid == properties.RelatedConcept) AddItem(related);
                    else if (pid == properties.NegativeConcept) AddItem(negativeConcepts);
                    else if (pid == properties.NegativeLabel) negatives.Add(StringValue(value, at, where));
                    else if (pid == properties.Definition) definition = StringValue(value, at, where); // the last one wins, as in the original

                    void AddItem(List<string> list)
                    {
                        if (ItemValue(value, at, where) is { } item)
                        {
                            list.Add(resolve(item));
                        }
                        else
                        {
                            warn($"{where}: {at} ({pid}) points to a property, not an item; it was skipped.");
                        }
                    }
                }
            }
        }
        return Concept.Unvalidated(validated.PreferredLabel, validated.AlternativeLabels, negatives, description, definition,
            revision.WikibaseId, revision.Revision, subconceptOf, hasSubconcept, related, negativeConcepts, claims);
    }

    /// <summary>The original's merge of negative concepts: the concept's negative labels, as a set, with every label of
    /// each negative concept that could be read. With none read the concept is unchanged (negatives not de-duplicated).</summary>
    public static Concept WithNegativeConcepts(Concept concept, IReadOnlyList<Concept> negativeConcepts)
    {
        if (negativeConcepts.Count == 0)
        {
            return concept;
        }
        var negatives = SortedSet(concept.NegativeLabels.Concat(negativeConcepts.SelectMany(n => n.AllLabels)));
        return Rebuild(concept, concept.AlternativeLabels, negatives, concept.RecursiveHasSubconcept);
    }

    /// <summary>The original's <c>include_labels_from_subconcepts</c>: with descendants, the alternative labels become
    /// every label of the concept and its descendants (the preferred label included, as the original's unvalidated
    /// assignment leaves it) and the negatives gain theirs; then labels that are positive anywhere are no negatives.</summary>
    public static Concept WithSubconcepts(Concept concept, IReadOnlyList<string> descendants, IReadOnlyList<Concept> subconcepts)
    {
        IReadOnlyList<string> alternatives = concept.AlternativeLabels;
        IEnumerable<string> negatives = concept.NegativeLabels;
        if (descendants.Count > 0)
        {
            alternatives = SortedSet(concept.AllLabels.Concat(subconcepts.SelectMany(s => s.AllLabels)));
            negatives = negatives.Concat(subconcepts.SelectMany(s => s.NegativeLabels));
        }
        var positives = new HashSet<string>(alternatives.Append(concept.PreferredLabel), StringComparer.Ordinal);
        return Rebuild(concept, alternatives, SortedSet(negatives.Where(n => !positives.Contains(n))), descendants);
    }

    private static Concept Rebuild(Concept c, IEnumerable<string> alternatives, IEnumerable<string> negatives, IEnumerable<string>? descendants) =>
        Concept.Unvalidated(c.PreferredLabel, alternatives, negatives, c.Description, c.Definition, c.WikibaseId!, c.WikibaseRevision,
            c.SubconceptOf, c.HasSubconcept, c.RelatedConcepts, c.NegativeConcepts, c.ClassifierIds, descendants);

    private static List<string> SortedSet(IEnumerable<string> values)
    {
        var list = values.Distinct(StringComparer.Ordinal).ToList();
        list.Sort(Text.CodePoints.Comparer);
        return list;
    }

    private static void ReadClassifierClaim(JsonElement statement, string snaktype, JsonElement value, string at, string where,
        List<ClassifierIdClaim> claims, Action<string> warn)
    {
        if (snaktype != "value")
        {
            warn($"{where}: {at} has no classifier ID (snaktype {snaktype}); it was skipped.");
            return;
        }
        var rankText = statement.TryGetProperty("rank", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        var rank = rankText switch
        {
            "preferred" => StatementRank.Preferred,
            "normal" => StatementRank.Normal,
            "deprecated" => StatementRank.Deprecated,
            _ => (StatementRank?)null,
        };
        if (rank is null)
        {
            warn($"{where}: {at} has the rank '{rankText}', not preferred, normal or deprecated; it was skipped.");
            return;
        }
        var text = value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText();
        if (!Identifier.IsValid(text))
        {
            warn($"{where}: {at} holds '{text}', which is not a classifier ID (8 characters from '{Identifier.Alphabet}'); it was skipped.");
            return;
        }
        claims.Add(new ClassifierIdClaim(rank.Value, text!));
    }

    private static (string Property, string SnakType, JsonElement Value) MainSnak(JsonElement statement, string at, string where)
    {
        if (statement.ValueKind != JsonValueKind.Object || !statement.TryGetProperty("mainsnak", out var snak) || snak.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(where, $"{at} has no mainsnak object");
        }
        var property = OptionalString(snak, "property", where) ?? throw Malformed(where, $"{at}.mainsnak has no property");
        var snaktype = OptionalString(snak, "snaktype", where) ?? throw Malformed(where, $"{at}.mainsnak has no snaktype");
        if (snaktype != "value")
        {
            return (property, snaktype, default);
        }
        if (!snak.TryGetProperty("datavalue", out var datavalue) || datavalue.ValueKind != JsonValueKind.Object
            || !datavalue.TryGetProperty("value", out var value))
        {
            throw Malformed(where, $"{at}.mainsnak is a value snak without datavalue.value");
        }
        return (property, snaktype, value);
    }

    /// <summary>An item ID from an entity-id datavalue; null when it points to a property.</summary>
    private static string? ItemValue(JsonElement value, string at, string where)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(where, $"{at} holds {Kind(value)} where an item belongs");
        }
        var entityType = OptionalString(value, "entity-type", where);
        var id = OptionalString(value, "id", where)
            ?? (value.TryGetProperty("numeric-id", out var n) && n.TryGetInt64(out var number) ? (entityType == "property" ? "P" : "Q") + number : null);
        if (entityType == "property" || WikibaseId.IsPropertyId(id))
        {
            return null;
        }
        if (!WikibaseId.IsValid(id))
        {
            throw Malformed(where, $"{at} holds '{id}', which is not an item ID");
        }
        return id;
    }

    private static string StringValue(JsonElement value, string at, string where) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Malformed(where, $"{at} holds {Kind(value)} where a string belongs");

    /// <summary>A language map (labels, descriptions, aliases); Wikibase writes an empty one as <c>[]</c>.</summary>
    private static JsonElement? Map(JsonElement e, string name, string where)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null || (v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 0))
        {
            return null;
        }
        return v.ValueKind == JsonValueKind.Object ? v : throw Malformed(where, $"'{name}' is {Kind(v)}, not an object");
    }

    private static string? LanguageValue(JsonElement e, string map, string language, string where)
    {
        if (Map(e, map, where) is not { } m || !m.TryGetProperty(language, out var entry) || entry.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(where, $"{map}.{language} is {Kind(entry)}, not an object with a value");
        }
        return OptionalString(entry, "value", where);
    }

    private static string? OptionalString(JsonElement e, string name, string where)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Malformed(where, $"'{name}' is {Kind(v)}, not a string");
    }

    private static JsonDocument Parse(string content, string where)
    {
        try
        {
            return JsonDocument.Parse(content, new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException ex)
        {
            throw new KgException("WikibaseMalformedEntity", KgErrorKind.InvalidData,
                $"The content of {where} is not valid JSON: {ex.Message}", where, ex);
        }
    }

    private static string Kind(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => $"the string {v.GetRawText()}",
        JsonValueKind.Number => $"the number {v.GetRawText()}",
        _ => v.ValueKind.ToString().ToLowerInvariant(),
    };

    private static KgException Malformed(string where, string what) =>
        new("WikibaseMalformedEntity", KgErrorKind.InvalidData, $"The entity {where} is malformed: {what}.", where);
}
