using System.Text.Json.Nodes;

namespace KnowledgeGraph.StandIns;

/// <summary>Builds entity JSON in the Wikibase data model (as the item pages' main slot holds it): type and id, labels
/// and descriptions (language → {language, value}), aliases (language → [{language, value}]), and claims (property →
/// statements with a mainsnak holding a datavalue, a type and a rank). Empty maps are written as [] as Wikibase does.</summary>
public sealed class EntityJson
{
    private readonly string _id;
    private readonly JsonObject _labels = [];
    private readonly JsonObject _descriptions = [];
    private readonly JsonObject _aliases = [];
    private readonly JsonObject _claims = [];
    private int _statements;

    public EntityJson(string id) => _id = id;

    public static EntityJson Item(string id) => new(id);

    public EntityJson Label(string value, string language = "en")
    {
        _labels[language] = new JsonObject { ["language"] = language, ["value"] = value };
        return this;
    }

    public EntityJson Description(string value, string language = "en")
    {
        _descriptions[language] = new JsonObject { ["language"] = language, ["value"] = value };
        return this;
    }

    public EntityJson Aliases(string language, params string[] values)
    {
        var list = _aliases[language] as JsonArray ?? [];
        foreach (var v in values)
        {
            list.Add(new JsonObject { ["language"] = language, ["value"] = v });
        }
        _aliases[language] = list;
        return this;
    }

    /// <summary>A statement whose value is an item (wikibase-entityid).</summary>
    public EntityJson ItemClaim(string property, string item, string rank = "normal") => Statement(property, new JsonObject
    {
        ["snaktype"] = "value",
        ["property"] = property,
        ["datavalue"] = new JsonObject
        {
            ["value"] = new JsonObject { ["entity-type"] = item[0] == 'P' ? "property" : "item", ["numeric-id"] = long.Parse(item[1..]), ["id"] = item },
            ["type"] = "wikibase-entityid",
        },
        ["datatype"] = item[0] == 'P' ? "wikibase-property" : "wikibase-item",
    }, rank);

    /// <summary>A statement whose value is a string.</summary>
    public EntityJson StringClaim(string property, string value, string rank = "normal") => Statement(property, new JsonObject
    {
        ["snaktype"] = "value",
        ["property"] = property,
        ["datavalue"] = new JsonObject { ["value"] = value, ["type"] = "string" },
        ["datatype"] = "string",
    }, rank);

    /// <summary>A statement with no value (snaktype novalue).</summary>
    public EntityJson NoValueClaim(string property, string rank = "normal") => Statement(property, new JsonObject
    {
        ["snaktype"] = "novalue",
        ["property"] = property,
    }, rank);

    private EntityJson Statement(string property, JsonObject mainsnak, string rank)
    {
        var list = _claims[property] as JsonArray ?? [];
        list.Add(new JsonObject
        {
            ["mainsnak"] = mainsnak,
            ["type"] = "statement",
            ["id"] = $"{_id}${Guid.NewGuid()}",
            ["rank"] = rank,
        });
        _claims[property] = list;
        _statements++;
        return this;
    }

    public override string ToString()
    {
        static JsonNode Map(JsonObject o) => o.Count == 0 ? new JsonArray() : o.DeepClone();
        return new JsonObject
        {
            ["type"] = "item",
            ["id"] = _id,
            ["labels"] = Map(_labels),
            ["descriptions"] = Map(_descriptions),
            ["aliases"] = Map(_aliases),
            ["claims"] = Map(_claims),
            ["sitelinks"] = new JsonArray(),
        }.ToJsonString();
    }
}
