using KnowledgeGraph.Specs;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace KnowledgeGraph.Infrastructure.Yaml;

/// <summary>Reads v2 spec YAML with YamlDotNet. Any YAML form is accepted (block or flow style, quotes, comments);
/// the document must be a sequence of mappings. Unknown keys are ignored, as in the original.</summary>
public sealed class YamlClassifierSpecParser : IClassifierSpecParser
{
    /// <summary>A spec file nests three levels (list, entry, dont_run_on); anything much deeper is refused before the
    /// document is built, whose recursion a hostile file could otherwise drive into a stack overflow.</summary>
    public const int MaxDepth = 32;

    private static readonly HashSet<string> CoreTags = new(StringComparer.Ordinal)
    {
        "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null",
        "tag:yaml.org,2002:float", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map",
    };

    public IReadOnlyList<ClassifierSpec> Parse(string yaml, string source)
    {
        Screen(yaml, source);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw Malformed(source, e.Start.Line, $"not valid YAML: {e.Message}", e);
        }
        if (stream.Documents.Count == 0)
        {
            return [];
        }
        if (stream.Documents.Count > 1)
        {
            throw Malformed(source, stream.Documents[1].RootNode.Start.Line, "it holds more than one YAML document");
        }
        var root = stream.Documents[0].RootNode;
        if (root is YamlScalarNode { Value: null or "" or "~" or "null" } && root.Tag.IsEmpty)
        {
            return [];
        }
        if (root is not YamlSequenceNode sequence)
        {
            throw Malformed(source, root.Start.Line, "the document must be a list of classifier specs");
        }
        var specs = new List<ClassifierSpec>();
        foreach (var node in sequence.Children)
        {
            if (node is not YamlMappingNode map)
            {
                throw Malformed(source, node.Start.Line, "each list item must be a mapping of spec fields (wikibase_id, classifier_id, ...)");
            }
            specs.Add(ReadEntry(map, source));
        }
        return specs;
    }

    /// <summary>Reads the events once, without building anything: refuses nesting deeper than <see cref="MaxDepth"/> and
    /// any tag that is not one of YAML's core types (such as <c>!!python/object</c>, which asks a loader to run code).</summary>
    private static void Screen(string yaml, string source)
    {
        var parser = new Parser(new StringReader(yaml));
        var depth = 0;
        try
        {
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case NodeEvent { Tag: { IsEmpty: false, IsNonSpecific: false } tag } node when !CoreTags.Contains(tag.Value):
                        throw Malformed(source, node.Start.Line, $"the tag '{tag.Value}' is not allowed (only plain YAML values are)");
                    case SequenceStart or MappingStart:
                        if (++depth > MaxDepth)
                        {
                            throw Malformed(source, parser.Current.Start.Line, $"it nests deeper than {MaxDepth} levels");
                        }
                        break;
                    case SequenceEnd or MappingEnd:
                        depth--;
                        break;
                }
            }
        }
        catch (YamlException e)
        {
            throw Malformed(source, e.Start.Line, $"not valid YAML: {e.Message}", e);
        }
    }

    private static ClassifierSpec ReadEntry(YamlMappingNode map, string source)
    {
        string? Scalar(string key)
        {
            if (!map.Children.TryGetValue(new YamlScalarNode(key), out var node) || IsNull(node))
            {
                return null;
            }
            return node is YamlScalarNode s
                ? s.Value
                : throw Malformed(source, node.Start.Line, $"'{key}' must be a single value");
        }

        bool? gpu = null;
        if (map.Children.TryGetValue(new YamlScalarNode("compute_environment"), out var ce) && !IsNull(ce))
        {
            if (ce is not YamlMappingNode ceMap)
            {
                throw Malformed(source, ce.Start.Line, "'compute_environment' must be a mapping such as {gpu: true}");
            }
            gpu = false;
            if (ceMap.Children.TryGetValue(new YamlScalarNode("gpu"), out var g) && !IsNull(g))
            {
                gpu = g is YamlScalarNode { Value: { } v } && bool.TryParse(v, out var b)
                    ? b
                    : throw Malformed(source, g.Start.Line, "'compute_environment.gpu' must be true or false");
            }
        }

        List<string>? dontRunOn = null;
        if (map.Children.TryGetValue(new YamlScalarNode("dont_run_on"), out var dro) && !IsNull(dro))
        {
            if (dro is not YamlSequenceNode seq)
            {
                throw Malformed(source, dro.Start.Line, "'dont_run_on' must be a list of sources");
            }
            dontRunOn = seq.Children.Select(n => n is YamlScalarNode { Value: { } v }
                ? v
                : throw Malformed(source, n.Start.Line, "'dont_run_on' items must be source names")).ToList();
        }

        return new ClassifierSpec
        {
            WikibaseId = Scalar("wikibase_id"),
            ConceptId = Scalar("concept_id"),
            ClassifierId = Scalar("classifier_id"),
            ClassifiersProfile = Scalar("classifiers_profile"),
            RegistryVersion = Scalar("wandb_registry_version"),
            RequireGpu = gpu,
            DontRunOn = dontRunOn,
            Line = (int)map.Start.Line,
        };
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    private static KgException Malformed(string source, long line, string message, Exception? inner = null) =>
        new("InvalidSpecYaml", KgErrorKind.InvalidData, $"{source} (line {line}) is not a valid classifier spec file: {message}", source, inner);
}
